import Foundation
import Postgres

/// A referral the deadline watch has just escalated: identifiers only, so that
/// logs, metrics and notifications built from it carry no personal data.
public struct Escalation: Sendable, Equatable {
    public let referralID: UUID
    public let hub: String
    public let rag: String
    public let deadline: Date
}

extension Store {
    /// The channel on which each escalation is announced, with the payload
    /// `{"referral": ID, "hub": HUB, "rag": RAG}`.
    public static let escalationsChannel = "mash_escalations"

    /// The SET clause, for a statement that gives a referral a new deadline (the
    /// bound parameter `deadline`), that takes back its escalation when the new
    /// deadline has not passed: the `overdue` flag goes and the watch will look
    /// at it again when the new deadline passes.
    static func settingDeadline(_ deadline: String) -> String {
        """
        deadline = \(deadline),
        escalated_at = CASE WHEN \(deadline) > now() THEN NULL ELSE escalated_at END,
        flags = CASE WHEN \(deadline) > now() THEN flags - 'overdue' ELSE flags END
        """
    }

    /// Escalates every open referral whose deadline has passed and that has not
    /// been escalated yet: flags it `overdue`, records `escalated` in its delivery
    /// history and notifies `mash_escalations`, all in one statement. Rows another
    /// daemon is changing are skipped (their turn comes next round), so running it
    /// in two places at once escalates nothing twice.
    public func escalateOverdue(limit: Int = 1000) async throws -> [Escalation] {
        try await run { connection in
            try connection.query(Self.escalationStatement, [limit, Self.escalationsChannel]).map { row in
                Escalation(
                    referralID: try row.require(UUID.self, "id"), hub: try row.require(String.self, "hub_id"),
                    rag: try row.require(String.self, "rag"), deadline: try row.require(Date.self, "deadline")
                )
            }
        }
    }

    /// Escalates up to `$1` referrals and notifies the channel `$2`. The open
    /// statuses are written out rather than bound: the plan can then read the head
    /// of `referrals_escalation`, whose predicate they are. Bound, they left it a
    /// scan of the whole table every round.
    static let escalationStatement = """
        WITH due AS (
            SELECT id FROM referrals
            WHERE escalated_at IS NULL AND \(isOpenSQL) AND deadline < now()
            ORDER BY deadline
            LIMIT $1
            FOR UPDATE SKIP LOCKED
        ), escalated AS (
            -- By id from an array, as a lease does: a generic plan cannot see how
            -- small LIMIT $1 is.
            UPDATE referrals r
            SET escalated_at = now(),
                flags = CASE WHEN r.flags ? 'overdue' THEN r.flags ELSE r.flags || '["overdue"]'::jsonb END
            WHERE r.id = ANY (ARRAY(SELECT id FROM due))
            RETURNING r.id, r.hub_id, r.rag, r.deadline
        ), recorded AS (
            INSERT INTO referral_events (referral_id, event, hub_id, actor, detail)
            SELECT id, 'escalated', hub_id, 'mashd', jsonb_build_object('deadline', deadline) FROM escalated
        )
        SELECT id, hub_id, rag, deadline,
               pg_notify($2, json_build_object('referral', id, 'hub', hub_id, 'rag', rag)::text)
        FROM escalated
        """
}
