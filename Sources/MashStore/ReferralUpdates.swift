import Foundation
import MashDomain
import MashTriage
import Postgres

/// What the agency is told when its update is taken (and again, unchanged, when
/// it retries the same update).
public struct UpdateAcknowledgement: Sendable, Equatable {
    public let id: UUID
    public let referralID: UUID
    public let reference: String
    public let receivedAt: Date
    /// The referral's status after the update.
    public let status: String
}

/// The outcome of offering an update.
public enum UpdateOutcome: Sendable, Equatable {
    /// Stored now and the referral triaged again, durably committed.
    case created(UpdateAcknowledgement)
    /// Stored before under this reference with the same document: nothing new stored.
    case replayed(UpdateAcknowledgement)
    /// Stored before under this reference with a different document: refused.
    case referenceReused
    /// The agency has no referral with this id.
    case referralNotFound
}

extension Store {
    /// Appends an update to one of the agency's referrals and, while the referral
    /// is open, triages the referral again with every update so far taken in, at
    /// the time of this one; the referral's triage is replaced only if that raises
    /// its level or urgency (`StandingTriage.raised`), never lowered. One
    /// transaction, with the referral's row locked: updates to one referral are
    /// taken one at a time, so a retry racing its original finds it stored.
    public func addUpdate(
        _ update: ReferralUpdate, document: String, toReferral referralID: UUID, agencyID: String, agencyKind: AgencyKind,
        thresholds: IntakeThresholds, validator: ReferralValidator
    ) async throws -> UpdateOutcome {
        let (outcome, movedTo) = try await run { connection -> (UpdateOutcome, String?) in
            try connection.transaction {
                let referralRows = try connection.query("""
                    SELECT \(ReferralSummary.columns), document::text AS document FROM referrals
                    WHERE id = $1 AND agency_id = $2 FOR UPDATE
                    """, [referralID, agencyID])
                guard let referralRow = referralRows.first else { return (.referralNotFound, nil) }
                let referral = try ReferralSummary(row: referralRow)

                let earlier = try connection.query("""
                    SELECT id, reference, received_at, document::text AS document,
                           CASE WHEN reference = $3 THEN document::jsonb = $2::jsonb END AS same
                    FROM referral_updates WHERE referral_id = $1 ORDER BY received_at, id
                    """, [referralID, document, update.reference])
                if let stored = try earlier.first(where: { try $0.require(String.self, "reference") == update.reference }) {
                    guard try stored.require(Bool.self, "same") else { return (.referenceReused, nil) }
                    return (.replayed(UpdateAcknowledgement(
                        id: try stored.require(UUID.self, "id"), referralID: referralID, reference: update.reference,
                        receivedAt: try stored.require(Date.self, "received_at"), status: referral.status
                    )), nil)
                }

                let arrival = Date()
                var triage: (decision: TriageDecision, raised: StandingTriage?)?
                if let standing = referral.triage, Self.openStatuses.contains(referral.status) {
                    let updates = try earlier.map { row in
                        try Self.readStoredUpdate(try row.require(String.self, "document"), validator: validator, arrival: arrival)
                    } + [update]
                    let original = try Self.readStoredReferral(
                        try referralRow.require(String.self, "document"), validator: validator, receivedAt: referral.receivedAt, agencyKind: agencyKind
                    )
                    let updated = original.updated(with: updates)
                    let history = try Self.histories(of: [updated], excluding: referralID, on: connection)[0]
                    let decision = thresholds.engine.triage(TriageInput(referral: updated, agencyKind: agencyKind, arrival: arrival, history: history))
                    triage = (decision, standing.raised(by: decision, thresholdVersion: thresholds.version))
                }

                let inserted = try connection.query("""
                    INSERT INTO referral_updates (referral_id, reference, document, received_at, threshold_version, level, rag, hub_id,
                                                  deadline, triage_rule, raised)
                    VALUES ($1, $2, $3::json, $4, $5::int, $6::smallint, $7, $8, $9, $10, $11)
                    RETURNING id, received_at
                    """, [
                        referralID, update.reference, document, arrival, triage.map { _ in thresholds.version },
                        triage?.decision.level, triage?.decision.rag.rawValue, triage?.decision.hub, triage?.decision.deadline,
                        triage?.decision.rule, triage?.raised != nil,
                    ])[0]
                if let raised = triage?.raised {
                    try connection.query("""
                        UPDATE referrals SET level = $2, rag = $3, hub_id = $4, deadline = $5, flags = $6::jsonb, triage_rule = $7,
                                             triage_modifiers = $8::jsonb, threshold_version = $9
                        WHERE id = $1
                        """, [
                            referralID, raised.level, raised.rag.rawValue, raised.hub, raised.deadline, try Self.json(raised.flags),
                            raised.rule, try Self.json(raised.modifiers), raised.thresholdVersion,
                        ])
                }
                let moved = triage?.raised.flatMap { $0.hub != referral.triage?.hub ? $0.hub : nil }
                return (.created(UpdateAcknowledgement(
                    id: try inserted.require(UUID.self, "id"), referralID: referralID, reference: update.reference,
                    receivedAt: try inserted.require(Date.self, "received_at"), status: referral.status
                )), moved)
            }
        }
        // A referral moved to another hub's inbox wakes that hub's waiting consumers.
        if let movedTo { signals.committed([movedTo: 1]) }
        return outcome
    }

    /// A stored referral document read again as intake read it when it arrived.
    private static func readStoredReferral(_ document: String, validator: ReferralValidator, receivedAt: Date, agencyKind: AgencyKind) throws -> Referral {
        switch validator.validate(Array(document.utf8), receivedAt: receivedAt, agencyKind: agencyKind) {
        case .success(let accepted): return accepted.referral
        case .failure(let rejection): throw StoreError(.invalid, "a stored referral no longer reads as valid: \(rejection.problems.count) problems")
        }
    }

    /// A stored update read again as it was read when it arrived.
    private static func readStoredUpdate(_ document: String, validator: ReferralValidator, arrival: Date) throws -> ReferralUpdate {
        switch validator.validateUpdate(Array(document.utf8), receivedAt: arrival) {
        case .success(let update): return update
        case .failure(let rejection): throw StoreError(.invalid, "a stored update no longer reads as valid: \(rejection.problems.count) problems")
        }
    }
}
