import ArgumentParser
import Foundation
import MashDomain
import MashStore

/// Which child `history` and `export` are about: by NHS number, or as named in a
/// referral, matched across referrals as triage matches a child's history.
struct ChildSelection: ParsableArguments {
    @Option(help: "The child's NHS number.") var nhs: NHSNumber?
    @Option(help: "A child as named in a referral: REFERRAL-ID:N for its Nth child (REFERRAL-ID alone: the first).")
    var child: String?

    func validate() throws {
        guard (nhs == nil) != (child == nil) else { throw ValidationError("give either --nhs or --child") }
        if let child, parsedChild(child) == nil { throw ValidationError("--child must be REFERRAL-ID or REFERRAL-ID:N, N from 1") }
    }

    /// Every referral naming the child, oldest first.
    func chronology(_ store: Store) async throws -> [ReferralSummary] {
        if let nhs { return try await store.chronology(nhsNumber: nhs.description) }
        let (referralID, position) = parsedChild(child!)!
        guard let stored = try await store.storedReferral(id: referralID) else {
            throw CommandFailure("there is no referral \(referralID.uuidString.lowercased()); `mashctl inbox HUB` lists a hub's referrals")
        }
        let children = try TriageReplay.referral(stored, at: stored.summary.receivedAt).children
        guard position <= children.count else {
            throw CommandFailure("referral \(referralID.uuidString.lowercased()) names \(children.count) child\(children.count == 1 ? "" : "ren"); `mashctl show` lists them")
        }
        return try await store.chronology(of: children[position - 1])
    }

    private func parsedChild(_ text: String) -> (UUID, Int)? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let id = UUID(uuidString: String(parts[0])) else { return nil }
        guard parts.count == 2 else { return (id, 1) }
        guard let position = Int(parts[1]), position >= 1 else { return nil }
        return (id, position)
    }
}
