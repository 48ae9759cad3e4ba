import Foundation
import MashStore
import MashTesting
import Synchronization
import Testing

@Suite("mashd under faults", .serialized)
struct FaultTests {
    /// Clients post with retries while the test SIGKILLs mashd three times and starts
    /// a new one each time: every referral that got a 2xx is stored exactly once.
    @Test func acknowledgedReferralsSurviveSigkill() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        let current = Shared(try await DaemonProcess(database: setup.database))
        let clients = 6, perClient = 25
        let acknowledged = Shared<[String: String]>([:])  // reference → id

        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in 0..<clients {
                group.addTask {
                    for n in 0..<perClient {
                        let reference = "KILL-\(client)-\(n)"
                        let deadline = ContinuousClock.now + .seconds(60)
                        while ContinuousClock.now < deadline {
                            let url = current.withLock { $0.baseURL }.appendingPathComponent("v1/referrals")
                            if let response = try? await HTTP.send("POST", url, token: setup.policeToken, body: Fixtures.referral(reference: reference)),
                               (200...201).contains(response.status), let id = response.json["id"] as? String {
                                acknowledged.withLock { $0[reference] = id }
                                break
                            }
                            try await Task.sleep(for: .milliseconds(50))
                        }
                    }
                }
            }
            group.addTask {
                for _ in 0..<3 {
                    try await Task.sleep(for: .milliseconds(700))
                    let next = try await DaemonProcess(database: setup.database)
                    let old = current.withLock { daemon in
                        defer { daemon = next }
                        return daemon
                    }
                    await old.kill()
                }
            }
            try await group.waitForAll()
        }

        let acks = acknowledged.withLock { $0 }
        #expect(acks.count == clients * perClient, "every client finished with an acknowledgement")
        let stored = try await setup.store.pool.withConnection { connection in
            try connection.query("SELECT reference, id::text AS id FROM referrals").map {
                (try $0.require(String.self, "reference"), try $0.require(String.self, "id"))
            }
        }
        #expect(stored.count == acks.count, "exactly once: no duplicates, none lost")
        #expect(Dictionary(stored, uniquingKeysWith: { first, _ in first }) == acks)
    }

    /// PostgreSQL stops under load: intake answers 503 (never 2xx), and after the
    /// restart the same mashd process accepts referrals again within 10 s.
    @Test func intakeAnswers503WhileTheDatabaseIsDownAndRecovers() async throws {
        let cluster = try TestCluster.privateCluster()
        defer { TestCluster.discard(cluster) }
        try cluster.createDatabase("mash")
        let database = TestDatabase(cluster: cluster, name: "mash")
        try await TestCluster.migrate(database)
        let setup = try await Fixtures.setup(database)
        let daemon = try await DaemonProcess(database: database)
        let url = daemon.baseURL.appendingPathComponent("v1/referrals")
        #expect(try await HTTP.send("POST", url, token: setup.policeToken, body: Fixtures.referral(reference: "UP-0")).status == 201)

        try cluster.stop(mode: "fast")
        var statuses: [Int] = []
        for n in 1...10 {
            let response = try await HTTP.send("POST", url, token: setup.policeToken, body: Fixtures.referral(reference: "DOWN-\(n)"))
            statuses.append(response.status)
            if response.status == 503 { #expect(response.headers["retry-after"] != nil) }
        }
        #expect(statuses.allSatisfy { $0 == 503 }, "only 503 while the database is down, got \(statuses)")

        try cluster.start(settings: ["fsync": "off"])
        let restarted = ContinuousClock.now
        var recovered = false
        while !recovered && ContinuousClock.now - restarted < .seconds(10) {
            let response = try await HTTP.send("POST", url, token: setup.policeToken, body: Fixtures.referral(reference: "UP-1"))
            recovered = response.status == 201
            if !recovered { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(recovered, "intake should succeed within 10 s of the database's return")
        #expect(daemon.isRunning, "the same process")
        setup.store.pool.close()  // its connections died with the server
        let check = database.pool(maxConnections: 1)
        let stored = try await check.withConnection { try $0.query("SELECT reference FROM referrals ORDER BY reference").map { try $0.require(String.self, "reference") } }
        #expect(stored == ["UP-0", "UP-1"], "nothing answered 503 was stored")
        check.close()
    }
}

/// A value shared between the test's concurrent tasks.
final class Shared<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<R: Sendable>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
}
