import Foundation
@testable import MashStore
import MashTesting
import Postgres
import Testing

/// Concurrent leases are served together, by one statement: each claim must get
/// what it would have got served alone, in its turn.
@Suite("Leases claimed together")
struct LeaseClaimTests {
    @Test func claimsOnOneHubTakeItsInboxInTurnAndClaimsOnAnotherHubTheirOwn() async throws {
        let store = try await TestCluster.freshDatabase().store(maxConnections: 1)
        _ = try await store.addAgency(id: "tvp", name: "Thames Valley Police", kind: .police)
        let (served, leasedBy) = try await store.run { connection in
            // mash-screening: S-1 to S-6 due in that order, S-6 red and the rest green;
            // early-help: E-1 and E-2.
            try connection.query("""
                INSERT INTO referrals (agency_id, reference, document, status, threshold_version, level, rag, hub_id, deadline, triage_rule)
                SELECT 'tvp', 'S-' || g, '{}'::jsonb, 'queued', 1, 2, CASE WHEN g = 6 THEN 'red' ELSE 'green' END, 'mash-screening',
                       now() + g * interval '1 minute', 'seed'
                FROM generate_series(1, 6) g
                UNION ALL
                SELECT 'tvp', 'E-' || g, '{}'::jsonb, 'queued', 1, 2, 'amber', 'early-help', now() + g * interval '1 minute', 'seed'
                FROM generate_series(1, 2) g
                """)
            let served = try Store.lease([
                LeaseClaim(hub: "mash-screening", max: 2, seconds: 300, actor: "hub:a"),
                LeaseClaim(hub: "early-help", max: 5, seconds: 60, actor: "hub:e"),
                LeaseClaim(hub: "mash-screening", max: 3, seconds: 120, actor: "hub:b"),
                LeaseClaim(hub: "mash-screening", max: 4, seconds: 300, actor: "hub:c"),
            ], on: connection)
            let events = try connection.query("""
                SELECT r.reference, e.actor FROM referral_events e JOIN referrals r ON r.id = e.referral_id AND r.lease_id = e.lease_id
                WHERE e.event = 'leased' ORDER BY r.reference
                """)
            let leasedBy = try events.map { "\(try $0.require(String.self, "reference")) \(try $0.require(String.self, "actor"))" }
            return (served, leasedBy)
        }

        #expect(try served.map { try $0.map(Self.reference) } == [
            ["S-6", "S-1"],  // red first, then the earliest deadline
            ["E-1", "E-2"],  // all early-help has
            ["S-2", "S-3", "S-4"],  // what the first claim left
            ["S-5"],  // the rest
        ])
        #expect(leasedBy == ["E-1 hub:e", "E-2 hub:e", "S-1 hub:a", "S-2 hub:b", "S-3 hub:b", "S-4 hub:b", "S-5 hub:c", "S-6 hub:a"])
        let leases = served.flatMap { $0 }
        #expect(Set(leases.map(\.id)).count == 8 && Set(leases.map(\.referralID)).count == 8, "a lease of its own for each referral")
        // One statement, one now(): each claim's leases run for its own seconds from it.
        #expect(served[2][0].expiresAt.timeIntervalSince(served[1][0].expiresAt) == 60)
        #expect(served[0][0].expiresAt.timeIntervalSince(served[2][0].expiresAt) == 180)
    }

    /// The referral's reference, from the lease as the API returns it.
    private static func reference(_ lease: Lease) throws -> String {
        let object = try JSONSerialization.jsonObject(with: Data(lease.json.utf8)) as? [String: Any]
        return try #require((object?["referral"] as? [String: Any])?["reference"] as? String)
    }
}
