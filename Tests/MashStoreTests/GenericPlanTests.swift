import Foundation
@testable import MashStore
import MashTesting
import Postgres
import Testing

/// Statements mashd runs often or over a whole table, as it runs them: under the
/// generic plans its sessions are set to (`plan_cache_mode = force_generic_plan`),
/// planned once from whatever the statistics said then.
@Suite("Generic plans")
struct GenericPlanTests {
    /// A generic plan cannot see that `LIMIT $2` is small. Joined with the rows
    /// it chose, the update of the leased referrals was planned as a hash of the
    /// whole table, read on every lease: 66 ms for 10 referrals out of 57,000.
    @Test func aLeaseReadsTheReferralsItTakesByIndexHoweverFullTheTable() async throws {
        let (leased, plan) = try await Self.withGenericPlans(seeding: 20000) { connection in
            let leased = try Self.lease(max: 10, on: connection).count
            // Constants: EXPLAIN, a utility statement, takes no bound parameters.
            return (leased, try Self.plan("EXPLAIN EXECUTE mash_lease('{mash-screening}', '{10}', '{300}', '{test}')", on: connection))
        }
        #expect(leased == 10)
        #expect(!plan.contains("Seq Scan on referrals"), "\(plan)")
        #expect(plan.contains("on referrals_pkey"), "the leased referrals are found by id: \(plan)")
    }

    /// A new deployment's consumers poll before any referral arrives, so the lease
    /// is first planned on an empty table, and that plan reads `referrals` whole and
    /// sorts the inbox. It must not outlive the table's next ANALYZE (autovacuum's
    /// comes after 50 changed rows): ANALYZE invalidates the plans that read it.
    @Test func aLeasePlannedOnAnEmptyInboxIsPlannedAgainOnceTheTableIsAnalysed() async throws {
        let plan = try await Self.withGenericPlans(seeding: 0) { connection in
            #expect(try Self.lease(max: 1, on: connection).isEmpty)
            try Self.seedInbox(5000, on: connection)
            try connection.query("ANALYZE referrals")
            #expect(try Self.lease(max: 1, on: connection).count == 1)
            return try Self.plan("EXPLAIN EXECUTE mash_lease('{mash-screening}', '{1}', '{300}', '{test}')", on: connection)
        }
        #expect(!plan.contains("Seq Scan on referrals"), "\(plan)")
        #expect(plan.contains("referrals_deliverable"), "the inbox is read in order from its index: \(plan)")
    }

    /// Planned while no referral had been leased, the ack's join with the leases
    /// asked for read the whole lease index, every lease ever made, on every ack:
    /// 10 ms and 3,700 pages for one ack, 4,000 referrals into a drain. Here the
    /// statements are prepared as in a drain's first moments, then 2,000 referrals
    /// are leased and acked one by one, and the last ack is measured.
    @Test func anAckReadsOnlyItsOwnLeaseHoweverManyWereAckedBefore() async throws {
        let (notAcked, plan) = try await Self.withGenericPlans(seeding: 2002) { connection in
            func lease() throws -> UUID {
                try Self.lease(max: 1, on: connection)[0].id
            }
            var notAcked = 0
            for _ in 0..<2001 {
                let acked = try Store.end([LeaseEnding(lease: try lease(), hub: "mash-screening", actor: "test")], .ack, on: connection)
                if case .done = acked[0] {} else { notAcked += 1 }
            }
            let explain = "EXPLAIN (ANALYZE, BUFFERS) EXECUTE mash_end_leases_acked('{\(try lease())}', '{mash-screening}', '{test}')"
            return (notAcked, try Self.plan(explain, on: connection))
        }
        #expect(notAcked == 0)
        // The top node's count includes every node under it.
        let pages = plan.firstMatch(of: /shared hit=(\d+)/).flatMap { Int($0.1) } ?? .max
        #expect(pages < 100, "pages read for one ack: \(plan)")
        let top = plan.prefix { $0 != "\n" }
        #expect(top.contains("rows=1 loops=1)"), "the last lease is acked: \(plan)")
    }

    /// With the open statuses bound as an array, the plan could not use the
    /// escalation index (its predicate names them) and read the whole table every
    /// round of the deadline watch.
    @Test func theDeadlineWatchReadsOnlyTheHeadOfTheEscalationIndex() async throws {
        let overdue = "UPDATE referrals SET deadline = now() - interval '1 minute' WHERE reference IN ('R-1', 'R-2')"
        let (escalated, plan) = try await Self.withGenericPlans(seeding: 20000, then: overdue) { connection in
            let escalated = try connection.query(prepared: "mash_escalate", Store.escalationStatement, [10, "test"]).count
            return (escalated, try Self.plan("EXPLAIN EXECUTE mash_escalate(10, 'test')", on: connection))
        }
        #expect(escalated == 2, "the two referrals past their deadline")
        #expect(!plan.contains("Seq Scan on referrals"), "\(plan)")
        #expect(plan.contains("using referrals_escalation"), "\(plan)")
    }

    /// The inbox gauges, read every ten seconds by every daemon, bound the open
    /// statuses too, and read every referral ever received; they now read the
    /// open ones through the two partial indexes that hold them, escalated or not.
    @Test func theInboxCountsReadOnlyTheOpenReferrals() async throws {
        // Of 20,000 referrals all are closed but R-1 and R-6 (queued), R-2 (in review), and
        // escalated past their deadlines (delivered; undelivered);
        // R-5 was escalated and then closed.
        let adjustment = """
            WITH hub AS (INSERT INTO hubs (id, name) VALUES ('mash-screening', 'MASH screening'))
            UPDATE referrals SET
                status = CASE reference WHEN 'R-1' THEN 'queued' WHEN 'R-6' THEN 'queued' WHEN 'R-2' THEN 'in_review' WHEN 'R-3' THEN 'delivered'
                                        WHEN 'R-4' THEN 'undelivered' ELSE 'closed' END,
                escalated_at = CASE WHEN reference IN ('R-3', 'R-4', 'R-5') THEN now() END,
                deadline = CASE WHEN reference IN ('R-3', 'R-4', 'R-5') THEN now() - interval '1 hour' ELSE deadline END
            """
        let (counts, plan) = try await Self.withGenericPlans(seeding: 20000, then: adjustment) { connection in
            (try Store.inboxCounts(on: connection), try Self.plan("EXPLAIN " + Store.inboxCountsStatement, on: connection))
        }
        let screening = try #require(counts.first { $0.hub == "mash-screening" })
        #expect(screening.open == 5 && screening.overdue == 2 && screening.undelivered == 1, "\(screening)")
        #expect(!plan.contains("Seq Scan on referrals"), "\(plan)")
        #expect(plan.contains("referrals_escalation") && plan.contains("referrals_open_escalated"), "\(plan)")
    }

    /// The leader checks the delivery window every ten seconds. It read every
    /// queued referral to find, nearly always, none past the window: 0.6 s a round
    /// with 1.5 million queued. It now reads the passed ones only, a thousand a
    /// transaction until none is left.
    @Test func theDeliveryWindowCheckReadsOnlyTheReferralsPastIt() async throws {
        // Of 20,000 queued referrals, R-1 to R-1500 arrived six days ago (the
        // default window is five), and so did R-1501, leased, and R-1502, in an
        // inbox whose window is thirty days.
        let adjustment = """
            WITH hubs AS (INSERT INTO hubs (id, name, delivery_window) VALUES
                ('mash-screening', 'MASH screening', DEFAULT), ('early-help', 'Early help', interval '30 days'))
            UPDATE referrals SET
                received_at = now() - interval '6 days',
                status = CASE reference WHEN 'R-1501' THEN 'leased' ELSE status END,
                lease_id = CASE reference WHEN 'R-1501' THEN gen_random_uuid() END,
                lease_expires_at = CASE reference WHEN 'R-1501' THEN now() + interval '5 minutes' END,
                hub_id = CASE reference WHEN 'R-1502' THEN 'early-help' ELSE hub_id END
            WHERE substr(reference, 3)::int <= 1502
            """
        let (marked, statuses, plan) = try await Self.withGenericPlans(seeding: 20000, then: adjustment) { connection in
            let marked = try Store.markUndelivered(on: connection)
            let statuses = try connection.query("""
                SELECT status::text AS status, count(*) AS n FROM referrals WHERE substr(reference, 3)::int <= 1503 GROUP BY status
                """).reduce(into: [String: Int]()) { $0[try $1.require(String.self, "status")] = try $1.require(Int.self, "n") }
            return (marked, statuses, try Self.plan("EXPLAIN (ANALYZE, BUFFERS) EXECUTE mash_undelivered(1000)", on: connection))
        }
        #expect(marked == 1500, "R-1 to R-1500, in two transactions")
        #expect(statuses == ["undelivered": 1500, "leased": 1, "queued": 2], "\(statuses)")
        #expect(!plan.contains("Seq Scan on referrals"), "\(plan)")
        #expect(plan.contains("using referrals_awaiting_delivery"), "\(plan)")
        let pages = plan.firstMatch(of: /shared hit=(\d+)/).flatMap { Int($0.1) } ?? .max
        #expect(pages < 50, "pages read when none is past the window: \(plan)")
    }

    /// Runs `body` on a fresh database's one connection, once it holds `count`
    /// referrals queued in the mash-screening inbox a minute apart ("R-1", ...),
    /// changed by `adjustment`, analysed, and the session uses mashd's generic plans.
    private static func withGenericPlans<T: Sendable>(
        seeding count: Int, then adjustment: String? = nil, _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        let store = try await TestCluster.freshDatabase().store(maxConnections: 1)
        _ = try await store.addAgency(id: "tvp", name: "Thames Valley Police", kind: .police)
        return try await store.run { connection in
            try seedInbox(count, on: connection)
            if let adjustment { try connection.query(adjustment) }
            try connection.query("ANALYZE referrals")
            try connection.query("SET plan_cache_mode = force_generic_plan")
            return try body(connection)
        }
    }

    /// Queues `count` referrals in the mash-screening inbox a minute apart ("R-1", ...).
    private static func seedInbox(_ count: Int, on connection: PostgresConnection) throws {
        try connection.query("""
            INSERT INTO referrals (agency_id, reference, document, status, threshold_version, level, rag, hub_id, deadline, triage_rule)
            SELECT 'tvp', 'R-' || g, '{}', 'queued', 1, 2, 'green', 'mash-screening', now() + g * interval '1 minute', 'seed'
            FROM generate_series(1, $1::int) g
            """, [count])
    }

    /// Up to `max` leases of the mash-screening inbox, for five minutes, as mashd makes them.
    private static func lease(max: Int, on connection: PostgresConnection) throws -> [Lease] {
        try Store.lease([LeaseClaim(hub: "mash-screening", max: max, seconds: 300, actor: "test")], on: connection)[0]
    }

    /// What an `EXPLAIN` printed, as one text.
    private static func plan(_ explain: String, on connection: PostgresConnection) throws -> String {
        try connection.query(explain).map { try $0.require(String.self, "QUERY PLAN") }.joined(separator: "\n")
    }
}
