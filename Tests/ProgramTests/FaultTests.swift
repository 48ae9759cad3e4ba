import Foundation
import MashStore
import MashTesting
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
        try await TestCluster.withPrivateDatabase { database in
            let cluster = database.cluster
            let setup = try await Fixtures.setup(database)
            let daemon = try await DaemonProcess(database: database)
            let url = daemon.baseURL.appendingPathComponent("v1/referrals")
            #expect(try await HTTP.send("POST", url, token: setup.policeToken, body: Fixtures.referral(reference: "UP-0")).status == 201)

            try await cluster.stop(mode: "fast")
            var statuses: [Int] = []
            for n in 1...10 {
                let response = try await HTTP.send("POST", url, token: setup.policeToken, body: Fixtures.referral(reference: "DOWN-\(n)"))
                statuses.append(response.status)
                if response.status == 503 { #expect(response.headers["retry-after"] != nil) }
            }
            #expect(statuses.allSatisfy { $0 == 503 }, "only 503 while the database is down, got \(statuses)")

            try await cluster.start(settings: ["fsync": "off"])
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
}

extension FaultTests {
    /// These runs are about faults, not the agency's rate limit: lift it.
    static let unlimited = ["--limits-agency-requests-per-minute", "1000000"]

    /// Issue 7's kill run: mashd SIGKILLed every 10 s, 10 times, while clients post
    /// and retry; a new mashd starts after each kill. Every acknowledged referral is
    /// stored exactly once.
    @Test func tenSigkillsTenSecondsApartLoseAndDuplicateNothing() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        let current = Shared(try await DaemonProcess(database: setup.database, arguments: Self.unlimited))
        let clients = RetryingClients()
        let load = Task { await clients.run(count: 8, prefix: "K10", token: setup.policeToken) { current.withLock { $0.baseURL } } }
        for _ in 0..<10 {
            try await Task.sleep(for: .seconds(10))
            let old = current.withLock { $0 }
            await old.kill()
            let next = try await DaemonProcess(database: setup.database, arguments: Self.unlimited)
            current.withLock { $0 = next }
        }
        try await Task.sleep(for: .seconds(2))
        clients.stop()
        await load.value

        let acks = clients.acknowledged.withLock { $0 }
        #expect(acks.count > 100, "load ran throughout: \(acks.count) acknowledged")
        let stored = try await setup.store.pool.withConnection { connection in
            try connection.query("SELECT reference, id::text AS id FROM referrals").map {
                (try $0.require(String.self, "reference"), try $0.require(String.self, "id"))
            }
        }
        #expect(stored.count == acks.count, "exactly once: \(stored.count) stored for \(acks.count) acknowledged")
        #expect(Dictionary(stored, uniquingKeysWith: { first, _ in first }) == acks, "none lost, each with the id acknowledged")
        print("SIGKILL run: 10 kills, \(acks.count) referrals acknowledged, \(stored.count) stored, statuses \(clients.statuses.withLock { $0 })")
    }

    /// Issue 7's restart run: PostgreSQL killed (immediate stop) and started five
    /// times under load. While it is down clients see only 503; each time it is back,
    /// the same mashd acknowledges again within 10 s; nothing acknowledged is lost.
    @Test func fivePostgresRestartsUnderLoadLoseNothing() async throws {
        try await TestCluster.withPrivateDatabase { database in
            let cluster = database.cluster
            let setup = try await Fixtures.setup(database)
            setup.store.pool.close()  // its connections would die with the server
            let daemon = try await DaemonProcess(database: database, arguments: Self.unlimited)
            let clients = RetryingClients()
            let load = Task { await clients.run(count: 6, prefix: "PG5", token: setup.policeToken) { daemon.baseURL } }
            var recoveries: [Duration] = []
            for _ in 0..<5 {
                try await Task.sleep(for: .seconds(2))
                try await cluster.stop(mode: "immediate")
                try await Task.sleep(for: .seconds(2))
                try await cluster.start(settings: ["fsync": "off"])
                let back = ContinuousClock.now
                let recovery = try await clients.firstAcknowledgement(after: back, within: .seconds(10))
                #expect(recovery != nil, "acknowledging again within 10 s of the restart")
                recoveries.append(recovery ?? .seconds(10))
            }
            clients.stop()
            await load.value
            #expect(daemon.isRunning, "the same process throughout")

            let seen = clients.statuses.withLock { $0 }
            #expect(Set(seen.keys).isSubset(of: [200, 201, 503]), "only 503 while the database was down: \(seen)")
            #expect(seen[503, default: 0] > 0, "the restarts were seen: \(seen)")
            let check = database.pool(maxConnections: 1)
            defer { check.close() }
            let acks = clients.acknowledged.withLock { $0 }
            let stored = try await check.withConnection { connection in
                try connection.query("SELECT reference, id::text AS id FROM referrals").map {
                    (try $0.require(String.self, "reference"), try $0.require(String.self, "id"))
                }
            }
            #expect(Dictionary(stored, uniquingKeysWith: { first, _ in first }) == acks, "every acknowledged referral stored once, none else")
            print("PostgreSQL restarts: recovery after each \(recoveries.map { "\($0)" }.joined(separator: ", "))")
        }
    }
}
