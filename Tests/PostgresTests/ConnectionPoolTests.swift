import Foundation
import MashTesting
import Postgres
import Testing

@Suite("The connection pool", .serialized)
struct ConnectionPoolTests {
    @Test func thePoolRecoversAfterTheServerRestarts() async throws {
        try await TestCluster.withPrivateCluster { cluster in
            let pool = ConnectionPool(configuration: PostgresConfiguration(connectionString: cluster.connectionString()), maxConnections: 4)
            // Open several connections, so that several go stale at once.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 { group.addTask { _ = try await pool.withConnection { try $0.query("SELECT pg_sleep(0.05)") } } }
                try await group.waitForAll()
            }
            try await cluster.stop(mode: "fast")
            let whileDown = await #expect(throws: PostgresError.self) { try await pool.withConnection { try $0.query("SELECT 1") } }
            #expect(whileDown?.isUnavailable == true)

            try await cluster.start(settings: ["fsync": "off"])
            let restarted = ContinuousClock.now
            var answered = false
            while !answered && ContinuousClock.now - restarted < .seconds(10) {
                answered = (try? await pool.withConnection { try $0.query("SELECT 1 AS one")[0].require(Int.self, "one") }) == 1
                if !answered { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(answered, "the pool should serve again within 10 s of the server's return")
            pool.close()
        }
    }

    @Test func requestsBeyondThePoolSizeWaitThenTimeOut() async throws {
        let database = try await TestCluster.freshDatabase()
        let pool = ConnectionPool(
            configuration: PostgresConfiguration(connectionString: database.connectionString),
            maxConnections: 1, leaseTimeout: .milliseconds(300)
        )
        let holder = Task { try await pool.withConnection { try $0.query("SELECT pg_sleep(2)") } }
        try await Task.sleep(for: .milliseconds(200))
        let error = await #expect(throws: PostgresError.self) { try await pool.withConnection { try $0.query("SELECT 1") } }
        #expect(error?.code == .poolTimeout)
        _ = try await holder.value
        // Once free, the connection serves the next request.
        #expect(try await pool.withConnection { try $0.query("SELECT 1 AS one")[0].require(Int.self, "one") } == 1)
        pool.close()
    }

    @Test func anUnreachableServerIsReportedAsUnavailable() async throws {
        let pool = ConnectionPool(configuration: PostgresConfiguration(connectionString: "host=/nonexistent-mash-socket-dir dbname=x"))
        let error = await #expect(throws: PostgresError.self) { try await pool.withConnection { try $0.query("SELECT 1") } }
        #expect(error?.code == .connectionFailed)
        #expect(error?.isUnavailable == true)
    }
}
