@testable import MashStore
import MashTesting
import Postgres
import Testing

/// The lease statement as mashd runs it: prepared, under the generic plans its
/// sessions are set to (`plan_cache_mode = force_generic_plan`).
@Suite("Lease plan")
struct LeasePlanTests {
    /// A generic plan cannot see that `LIMIT $2` is small. Joined with the rows
    /// it chose, the update of the leased referrals was planned as a hash of the
    /// whole table, read on every lease: 66 ms for 10 referrals out of 57,000.
    @Test func aLeaseReadsTheReferralsItTakesByIndexHoweverFullTheTable() async throws {
        let store = try await TestCluster.freshDatabase().store(maxConnections: 1)
        _ = try await store.addAgency(id: "tvp", name: "Thames Valley Police", kind: .police)
        let plan = try await store.run { connection in
            try connection.query("""
                INSERT INTO referrals (agency_id, reference, document, status, threshold_version, level, rag, hub_id, deadline, triage_rule)
                SELECT 'tvp', 'R-' || g, '{}', 'queued', 1, 2, 'green', 'mash-screening', now() + g * interval '1 minute', 'seed'
                FROM generate_series(1, 20000) g
                """)
            try connection.query("ANALYZE referrals")
            try connection.query("SET plan_cache_mode = force_generic_plan")
            let leased = try connection.query(prepared: "mash_lease", Store.leaseStatement, ["mash-screening", 10, 300, "test"])
            #expect(leased.count == 10)
            // Constants: EXPLAIN, a utility statement, takes no bound parameters.
            return try connection.query("EXPLAIN EXECUTE mash_lease('mash-screening', 10, 300, 'test')")
                .map { try $0.require(String.self, "QUERY PLAN") }.joined(separator: "\n")
        }
        #expect(!plan.contains("Seq Scan on referrals"), "\(plan)")
        #expect(plan.contains("on referrals_pkey"), "the leased referrals are found by id: \(plan)")
    }
}
