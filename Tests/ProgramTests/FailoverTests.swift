import Foundation
import LocalCluster
import MashTesting
import Testing

@Suite("mashd across a database failover")
struct FailoverTests {
    /// A primary with a synchronous streaming standby, and mashd given both with
    /// `target_session_attrs=read-write` (docs/DATABASE.md). Clients post throughout;
    /// the primary dies and the standby is promoted: the same mashd accepts
    /// referrals again within 15 s, by itself, and every referral acknowledged
    /// before the switch is on the new primary.
    @Test func mashdFollowsAPromotedStandbyAndLosesNoAcknowledgedReferral() async throws {
        try await TestCluster.withPrivateDatabase { database in
            let primary = database.cluster
            let setup = try await Fixtures.setup(database)
            setup.store.pool.close()
            try await TestCluster.withPrivateStandby(of: primary) { standby in

                // Synchronous: the primary acknowledges a commit once the standby has it too.
                let admin = database.pool(maxConnections: 1)
                try await admin.withConnection { connection in
                    try connection.query("ALTER SYSTEM SET synchronous_standby_names = '*'")
                    try connection.query("SELECT pg_reload_conf()")
                }
                var synchronous = false
                let settled = ContinuousClock.now + .seconds(30)
                while !synchronous && ContinuousClock.now < settled {
                    synchronous = try await admin.withConnection {
                        try $0.query("SELECT count(*) AS n FROM pg_stat_replication WHERE sync_state = 'sync'")[0].require(Int.self, "n") == 1
                    }
                    if !synchronous { try await Task.sleep(for: .milliseconds(100)) }
                }
                admin.close()
                try #require(synchronous, "the standby should be replicating synchronously")

                let daemon = try await DaemonProcess(databaseURL: """
                    host=\(primary.socketDirectory.path),\(standby.socketDirectory.path) port=5432,5432 dbname=mash \
                    user=\(TestLogin.daemon.rawValue) target_session_attrs=read-write
                    """)
                let intake = daemon.baseURL.appendingPathComponent("v1/referrals")
                let acknowledged = Shared<[String: String]>([:])  // reference → id
                let acknowledgedBeforeSwitch = Shared<[String: String]>([:])
                let promoted = Shared<ContinuousClock.Instant?>(nil)
                let recovered = Shared<ContinuousClock.Instant?>(nil)

                try await withThrowingTaskGroup(of: Void.self) { group in
                    for client in 0..<3 {
                        group.addTask {
                            for n in 0..<40 {
                                let reference = "FAILOVER-\(client)-\(n)"
                                let deadline = ContinuousClock.now + .seconds(60)
                                while ContinuousClock.now < deadline {
                                    let sent = ContinuousClock.now
                                    if let response = try? await HTTP.send("POST", intake, token: setup.policeToken, body: Fixtures.referral(reference: reference)),
                                       (200...201).contains(response.status), let id = response.json["id"] as? String {
                                        acknowledged.withLock { $0[reference] = id }
                                        if let promotedAt = promoted.withLock({ $0 }), sent > promotedAt, response.status == 201 {
                                            recovered.withLock { if $0 == nil { $0 = .now } }
                                        }
                                        break
                                    }
                                    try await Task.sleep(for: .milliseconds(50))
                                }
                            }
                        }
                    }
                    group.addTask {
                        while acknowledged.withLock({ $0.count }) < 30 { try await Task.sleep(for: .milliseconds(20)) }
                        try await primary.stop(mode: "immediate")
                        acknowledgedBeforeSwitch.withLock { $0 = acknowledged.withLock { $0 } }
                        try await standby.promote()
                        promoted.withLock { $0 = .now }
                    }
                    try await group.waitForAll()
                }

                let promotedAt = try #require(promoted.withLock { $0 })
                let recoveredAt = try #require(recovered.withLock { $0 }, "no referral was accepted after the promotion")
                let (seconds, attoseconds) = (recoveredAt - promotedAt).components
                print("failover: first 201 \(String(format: "%.2f", Double(seconds) + Double(attoseconds) / 1e18)) s after the standby was promoted")
                #expect(recoveredAt - promotedAt < .seconds(15))
                #expect(daemon.isRunning, "the same process")
                let acks = acknowledged.withLock { $0 }
                #expect(acks.count == 120, "every client finished with an acknowledgement")

                let check = TestDatabase(cluster: standby, name: "mash").pool(maxConnections: 1)
                let stored = try await check.withConnection { connection in
                    try connection.query("SELECT reference, id::text AS id FROM referrals").map {
                        (try $0.require(String.self, "reference"), try $0.require(String.self, "id"))
                    }
                }
                check.close()
                let onNewPrimary = Dictionary(stored, uniquingKeysWith: { first, _ in first })
                let before = acknowledgedBeforeSwitch.withLock { $0 }
                #expect(before.count >= 30)
                #expect(before.filter { onNewPrimary[$0.key] != $0.value }.isEmpty, "acknowledged on the old primary, so on the standby too")
                #expect(onNewPrimary == acks && stored.count == acks.count, "exactly once: none lost, none twice")
                #expect(await daemon.terminate() == 0)
            }
        }
    }
}
