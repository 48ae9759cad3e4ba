import Foundation
import MashStore
import MashTesting
import Postgres
import Testing

/// The database refuses what the rules forbid, whoever writes: mashd, mashctl or
/// someone with psql. Each write below breaks one rule and must fail as a check
/// violation (SQLSTATE 23514) naming it, changing nothing.
@Suite("The schema's rules")
struct SchemaRuleTests {
    /// One triaged referral, queued in mash-screening, and one update of it.
    static let seed = """
        INSERT INTO referrals (agency_id, reference, document, status, threshold_version, level, rag, hub_id, deadline, triage_rule)
        VALUES ('tvp', 'R-1', '{}', 'queued', 1, 2, 'amber', 'mash-screening', now() + interval '1 day', 'seed');
        INSERT INTO referral_updates (referral_id, reference, document) SELECT id, 'U-1', '{}' FROM referrals;
        """

    @Test(arguments: [
        // Each value a domain (0013) allows none of.
        ("UPDATE referrals SET status = 'lost'", "referral_status_check"),
        ("UPDATE referrals SET level = 5", "need_level_check"),
        ("UPDATE referrals SET rag = 'purple'", "rag_rating_check"),
        ("UPDATE referrals SET status = 'decided', outcome = 'maybe', decided_at = now(), decided_by = 'x', decision_reason = 'r'",
         "decision_outcome_check"),
        ("UPDATE referrals SET status = 'decided', outcome = 'nfa', decided_at = now(), decided_by = 'x', decision_reason = ''",
         "reason_text_check"),
        ("UPDATE referrals SET decision_feedback = repeat('x', 4001)", "feedback_text_check"),
        ("UPDATE referrals SET assigned_to = '', assigned_at = now()", "worker_name_check"),
        ("UPDATE referral_updates SET level = 0", "need_level_check"),
        ("INSERT INTO referral_events (referral_id, event, actor) SELECT id, 'lost', 'x' FROM referrals", "delivery_event_check"),
        // Each rule that ties columns together.
        ("UPDATE referrals SET rag = NULL", "referrals_triaged_together"),
        ("UPDATE referrals SET status = 'leased'", "referrals_leased_with_lease"),
        ("UPDATE referrals SET status = 'decided'", "referrals_decided_together"),
        ("UPDATE referrals SET assigned_to = 'a worker'", "referrals_assigned_together"),
    ])
    func aWriteBreakingARuleIsRefused(_ write: String, _ rule: String) async throws {
        let store = try await TestCluster.freshDatabase().store(maxConnections: 1)
        _ = try await store.addAgency(id: "tvp", name: "Thames Valley Police", kind: .police)
        try await store.pool.withConnection { try $0.execute(script: Self.seed) }
        let refusal = await #expect(throws: PostgresError.self) {
            try await store.pool.withConnection { _ = try $0.query(write) }
        }
        #expect(refusal?.sqlState == "23514")
        #expect(refusal?.constraint == rule)
        let unchanged = try await store.pool.withConnection {
            try $0.query("SELECT status::text, rag::text FROM referrals")[0]
        }
        #expect(try unchanged.require(String.self, "status") == "queued")
        #expect(try unchanged.require(String.self, "rag") == "amber")
    }

    @Test func everyValueTheRulesAllowIsAccepted() async throws {
        let store = try await TestCluster.freshDatabase().store(maxConnections: 1)
        _ = try await store.addAgency(id: "tvp", name: "Thames Valley Police", kind: .police)
        try await store.pool.withConnection { connection in
            try connection.execute(script: Self.seed)
            for status in ["received", "queued", "in_review", "delivered", "undelivered", "closed"] {
                _ = try connection.query("UPDATE referrals SET status = $1", [status])
            }
            for (level, rag) in [(1, "red"), (4, "green")] {
                _ = try connection.query("UPDATE referrals SET level = $1::smallint, rag = $2", [level, rag])
            }
            for outcome in ["nfa", "advice", "early_help", "child_in_need_assessment", "strategy_discussion", "refer_other_agency", "existing_case"] {
                _ = try connection.query("""
                    UPDATE referrals SET status = 'decided', outcome = $1, decided_at = now(), decided_by = 'x',
                           decision_reason = repeat('r', 2000), decision_feedback = repeat('f', 4000)
                    """, [outcome])
            }
            _ = try connection.query("UPDATE referrals SET assigned_to = repeat('w', 200), assigned_at = now()")
        }
    }
}
