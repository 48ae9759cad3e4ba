import Foundation
import MashDomain
import Postgres

/// A screening decision as the referring agency sees it: never the reason.
public struct ScreeningDecision: Sendable, Equatable {
    public let outcome: String
    public let decidedAt: Date
    public let feedback: String?
}

/// What became of a decision.
public enum DecisionOutcome: Sendable, Equatable {
    /// Recorded now.
    case decided(ScreeningDecision)
    /// The same decision was recorded before: a repeated request changes nothing.
    case alreadyDecided(ScreeningDecision)
    /// The referral was decided otherwise before, or is closed: nothing changed.
    case conflict(String)
    /// No such referral (in this hub, when one is named).
    case notFound
}

extension Store {
    /// Records the screening decision on an open referral, in `hub` when one is
    /// named, ending any lease on it; the referring agency then sees the outcome
    /// and feedback. `actor` (nil: the database user) is recorded with it, in the
    /// delivery history and in the audit log.
    public func decide(referral id: UUID, hub: String?, _ decision: DecisionRequest, actor: String?) async throws -> DecisionOutcome {
        try await run { connection in
            let decided = try connection.query("""
                WITH decided AS (
                    UPDATE referrals SET status = 'decided', outcome = $3, decided_at = now(), decided_by = coalesce($6::text, current_user),
                           decision_reason = $4, decision_feedback = $5,
                           lease_expires_at = CASE WHEN status = 'leased' THEN now() ELSE lease_expires_at END
                    WHERE id = $1 AND ($2::text IS NULL OR hub_id = $2) AND status = ANY($7::text[])
                    RETURNING id, hub_id, outcome, decided_at, decided_by, decision_feedback
                ), recorded AS (
                    INSERT INTO referral_events (referral_id, event, hub_id, actor, detail)
                    SELECT id, 'decided', hub_id, decided_by, jsonb_build_object('outcome', outcome) FROM decided
                ), audited AS (
                    INSERT INTO audit_log (actor, action, referral_id, reason, detail)
                    SELECT decided_by, 'decide', id, $4, jsonb_build_object('outcome', outcome, 'hub', hub_id) FROM decided
                )
                SELECT outcome, decided_at, decision_feedback FROM decided
                """, [id, hub, decision.outcome.rawValue, decision.reason, decision.feedback, actor, PostgresArray(Self.openStatuses)])
            if let row = decided.first { return .decided(try ScreeningDecision(row: row)) }

            let existing = try connection.query("""
                SELECT status, outcome, decided_at, decision_feedback,
                       outcome = $3 AND decision_reason = $4 AND decision_feedback IS NOT DISTINCT FROM $5 AS same
                FROM referrals WHERE id = $1 AND ($2::text IS NULL OR hub_id = $2)
                """, [id, hub, decision.outcome.rawValue, decision.reason, decision.feedback])
            guard let row = existing.first else { return .notFound }
            if try row.decode(Bool.self, "same") == true { return .alreadyDecided(try ScreeningDecision(row: row)) }
            if let outcome = try row.decode(String.self, "outcome") {
                return .conflict("The referral was already decided, with the outcome \(outcome).")
            }
            return .conflict("The referral is \(try row.require(String.self, "status")) and can no longer be decided.")
        }
    }
}

extension ScreeningDecision {
    init(row: PostgresRow) throws {
        outcome = try row.require(String.self, "outcome")
        decidedAt = try row.require(Date.self, "decided_at")
        feedback = try row.decode(String.self, "decision_feedback")
    }
}
