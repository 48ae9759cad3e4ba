import Foundation
import MashDomain
import MashStore
import MashTesting
import MashTriage
import Testing

@Suite("The deadline watch")
struct DeadlineWatchTests {
    /// Escalated once however often the watch runs; a re-rating that moves the
    /// deadline into the future takes the escalation back, and the watch would
    /// escalate it again once that deadline passed.
    @Test func escalatesOnceAndARerateToALaterDeadlineTakesItBack() async throws {
        let store = try await TestCluster.freshDatabase().store()
        defer { store.pool.close() }
        _ = try await store.addAgency(id: "tvp", name: "Thames Valley Police", kind: .police)
        let thresholds = try await TestIntake.prepare(store)
        guard case .created(let ack) = try await store.accept(
            agencyID: "tvp", agencyKind: .police, referral: try TestIntake.referral(reference: "DW-1"),
            document: "{}", warnings: [], thresholds: thresholds
        ) else { throw TestFailure("not created") }
        func state() async throws -> (escalated: Bool, flags: String, events: Int) {
            try await store.pool.withConnection { connection in
                let row = try connection.query("""
                    SELECT escalated_at IS NOT NULL AS escalated, flags::text AS flags,
                           (SELECT count(*) FROM referral_events WHERE referral_id = $1 AND event = 'escalated') AS events
                    FROM referrals WHERE id = $1
                    """, [ack.id])[0]
                return (try row.require(Bool.self, "escalated"), try row.require(String.self, "flags"), try row.require(Int.self, "events"))
            }
        }

        #expect(try await store.escalateOverdue().isEmpty, "not due yet")
        try await store.pool.withConnection { _ = try $0.query("UPDATE referrals SET deadline = now() - interval '1 hour' WHERE id = $1", [ack.id]) }
        let escalated = try await store.escalateOverdue()
        #expect(escalated.map(\.referralID) == [ack.id])
        #expect(try await store.escalateOverdue().isEmpty, "once only")
        var now = try await state()
        #expect(now.escalated && now.flags.contains("\"overdue\"") && now.events == 1)

        // Re-rated green: the deadline, recomputed from arrival, is days away.
        _ = try await store.rerate(referral: ack.id, level: nil, rag: .green, reason: "lower after a call", engine: thresholds.engine)
        now = try await state()
        #expect(!now.escalated && !now.flags.contains("\"overdue\""), "escalation taken back: \(now)")
        #expect(now.events == 1, "the history keeps that it was escalated")
        #expect(try await store.escalateOverdue().isEmpty, "not due again yet")
    }
}
