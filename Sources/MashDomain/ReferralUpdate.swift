/// Supplementary information about a referral already made (CONTRACT §2): new
/// concerns, changed circumstances, the written follow-up to a phone referral.
public struct ReferralUpdate: Sendable, Equatable {
    /// The agency's own id for this update, unique within the referral.
    public var reference: String
    public var concerns: [Concern]
    /// Nil when the update does not say.
    public var immediateDanger: Bool?
    public var detail: String

    public init(reference: String, concerns: [Concern], immediateDanger: Bool?, detail: String) {
        self.reference = reference
        self.concerns = concerns
        self.immediateDanger = immediateDanger
        self.detail = detail
    }
}

extension Referral {
    /// The referral as it stands with `updates` taken in, in order: their concerns
    /// added, in immediate danger once any of them says so (an update never
    /// takes that back), and their detail kept with the concerns' detail.
    public func updated(with updates: [ReferralUpdate]) -> Referral {
        var referral = self
        for update in updates {
            referral.concerns += update.concerns
            referral.immediateDanger = referral.immediateDanger || update.immediateDanger == true
            referral.updateDetails.append(update.detail)
        }
        return referral
    }
}
