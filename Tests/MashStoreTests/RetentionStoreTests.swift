import Foundation
import MashConfig
import MashStore
import MashTesting
import Postgres
import Testing

@Suite("Retention runs in the store")
struct RetentionStoreTests {
    let database: TestDatabase
    let store: Store

    init() async throws {
        database = try await TestCluster.freshDatabase()
        store = database.store()
        _ = try await store.addAgency(id: "tvp", name: "Thames Valley Police", kind: .police)
    }

    /// A referral decided `nfa` `daysAgo` days ago, straight from SQL.
    func decidedReferral(daysAgo: Int) async throws -> UUID {
        try await store.pool.withConnection { connection in
            try connection.query("""
                INSERT INTO referrals (agency_id, reference, document, status, outcome, decided_at, decided_by, decision_reason)
                VALUES ('tvp', gen_random_uuid()::text, '{}', 'decided', 'nfa', now() - make_interval(days => $1::int), 'seed', 'seeded')
                RETURNING id
                """, [daysAgo])[0].require(UUID.self, "id")
        }
    }

    func nfa(_ summary: RetentionSummary?) throws -> RetentionSummary.Outcome {
        try #require(summary?.outcomes.first { $0.type == .nfaReferrals })
    }

    @Test(.timeLimit(.minutes(1))) func aReferralBeingHeldOrChangedIsSkippedNotWaitedForAndAHoldCommittedFirstKeepsIt() async throws {
        let referral = try await decidedReferral(daysAgo: 3 * 365)
        // A hold placed but not yet committed locks the referral's row (its foreign key).
        let holder = database.pool(maxConnections: 1)
        try await holder.withConnection { connection in
            try connection.query("BEGIN")
            try connection.query("INSERT INTO legal_holds (referral_id, reason) VALUES ($1, 'Care proceedings')", [referral])
        }
        let during = try nfa(try await store.runRetention(policy: RetentionPolicy(), dryRun: false))
        #expect(during.purged == 0, "skipped while locked: the next run takes it")
        try await holder.withConnection { try $0.query("COMMIT") }
        holder.close()
        let after = try nfa(try await store.runRetention(policy: RetentionPolicy(), dryRun: false))
        #expect(after.purged == 0 && after.held == 1)
        #expect(try await store.legalHolds().map(\.referralID) == [referral])
        store.pool.close()
    }

    @Test func aRunJudgesByTheTimeItIsGivenAndDoesNothingWhileAnotherHoldsTheLock() async throws {
        let referral = try await decidedReferral(daysAgo: 0)
        let inThreeYears = Date().addingTimeInterval(3 * 366 * 86_400)
        #expect(try nfa(try await store.runRetention(policy: RetentionPolicy(), dryRun: true, now: inThreeYears)).purged == 1)
        #expect(try nfa(try await store.runRetention(policy: RetentionPolicy(), dryRun: false)).purged == 0, "not due today")

        let other = database.pool(maxConnections: 1)
        try await other.withConnection { try $0.query("SELECT pg_advisory_lock(1835102568, 2)") }
        #expect(try await store.runRetention(policy: RetentionPolicy(), dryRun: false, now: inThreeYears) == nil)
        try await other.withConnection { try $0.query("SELECT pg_advisory_unlock(1835102568, 2)") }
        other.close()
        let purged = try nfa(try await store.runRetention(policy: RetentionPolicy(), dryRun: false, now: inThreeYears))
        #expect(purged.purged == 1 && purged.cutoff == RetentionPeriod.after(2, .years).cutoff(at: inThreeYears))
        let entry = try #require(try await store.auditLog(referral: referral).last)
        #expect(entry.action == "purge" && entry.detail.contains("\"rule\": \"nfaReferrals\""))
        store.pool.close()
    }
}
