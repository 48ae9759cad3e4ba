import Foundation
import MashTesting
import Postgres
import Testing

@Suite("The libpq layer against a real PostgreSQL")
struct PostgresConnectionTests {
    let pool: ConnectionPool

    init() async throws {
        pool = try await TestCluster.freshDatabase().pool(maxConnections: 4)
    }

    @Test func valuesTravelAsBoundParametersAndComeBackTyped() async throws {
        let hostile = "Robert'); DROP TABLE students;-- \\ \u{1F600}"
        let instant = Date(timeIntervalSince1970: 1_795_000_000.123456)
        let id = UUID()
        let row = try await pool.withConnection { connection in
            try connection.query(
                "SELECT $1::text AS text, $2::int8 AS number, $3::bool AS flag, $4::timestamptz AS instant, $5::uuid AS id, $6::bytea AS bytes, $7::text AS missing, $8::jsonb AS document",
                [hostile, 42, true, instant, id, ByteA([0, 1, 255]), nil, #"{"b": 1, "a": [true]}"#]
            )[0]
        }
        #expect(try row.decode(String.self, "text") == hostile)
        #expect(try row.decode(Int.self, "number") == 42)
        #expect(try row.decode(Bool.self, "flag") == true)
        #expect(try row.require(Date.self, "instant").timeIntervalSince1970 == 1_795_000_000.123456)
        #expect(try row.decode(UUID.self, "id") == id)
        #expect(try row.decode(ByteA.self, "bytes") == ByteA([0, 1, 255]))
        #expect(try row.decode(String.self, "missing") == nil)
        #expect(try row.decode(String.self, "document") == #"{"a": [true], "b": 1}"#)
    }

    @Test func aHostileStringIsStoredVerbatimNotExecuted() async throws {
        let hostile = "x'); DROP TABLE victims; --"
        let count = try await pool.withConnection { connection in
            try connection.query("CREATE TABLE victims (name text)")
            try connection.query("INSERT INTO victims (name) VALUES ($1)", [hostile])
            return try connection.query("SELECT count(*) AS n FROM victims WHERE name = $1", [hostile])[0].require(Int.self, "n")
        }
        #expect(count == 1)
    }

    @Test func aTransactionRollsBackWhenItsBodyThrows() async throws {
        struct Abort: Error {}
        try await pool.withConnection { try $0.query("CREATE TABLE ledger (n int)") }
        await #expect(throws: Abort.self) {
            try await pool.withConnection { connection in
                try connection.transaction {
                    try connection.query("INSERT INTO ledger VALUES (1)")
                    throw Abort()
                }
            }
        }
        let count = try await pool.withConnection { try $0.query("SELECT count(*) AS n FROM ledger")[0].require(Int.self, "n") }
        #expect(count == 0)
    }

    @Test func aFailedStatementInsideATransactionCannotBeCommitted() async throws {
        try await pool.withConnection { try $0.query("CREATE TABLE once (n int PRIMARY KEY)") }
        await #expect(throws: PostgresError.self) {
            try await pool.withConnection { connection in
                try connection.transaction {
                    try connection.query("INSERT INTO once VALUES (1)")
                    _ = try? connection.query("INSERT INTO once VALUES (1)")  // swallowed: the transaction is now aborted
                }
            }
        }
        let count = try await pool.withConnection { try $0.query("SELECT count(*) AS n FROM once")[0].require(Int.self, "n") }
        #expect(count == 0)
    }

    @Test func serverErrorsCarryTheirSQLState() async throws {
        let error = await #expect(throws: PostgresError.self) {
            try await pool.withConnection { connection in
                try connection.query("CREATE TABLE pair (n int PRIMARY KEY)")
                try connection.query("INSERT INTO pair VALUES (1), (1)")
            }
        }
        #expect(error?.sqlState == "23505")
        #expect(error?.isUniqueViolation == true)
        #expect(error?.isUnavailable == false)
    }

    @Test func statementTimeoutFromSessionSettingsStopsALongQuery() async throws {
        let database = try await TestCluster.freshDatabase()
        let pool = ConnectionPool(configuration: PostgresConfiguration(
            connectionString: database.connectionString, sessionSettings: [("statement_timeout", "100ms")]
        ))
        let error = await #expect(throws: PostgresError.self) {
            try await pool.withConnection { try $0.query("SELECT pg_sleep(5)") }
        }
        #expect(error?.isQueryCanceled == true)
        pool.close()
    }

    @Test func cancellingTheTaskCancelsTheRunningStatement() async throws {
        let task = Task { try await pool.withConnection { try $0.query("SELECT pg_sleep(30)") } }
        // Cancel only once the statement is really running on the server.
        var running = false
        let deadline = ContinuousClock.now + .seconds(20)
        while !running && ContinuousClock.now < deadline {
            running = try await pool.withConnection {
                try $0.query("SELECT count(*) AS n FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'")[0].require(Int.self, "n")
            } == 1
            if !running { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(running)
        let cancelledAt = ContinuousClock.now
        task.cancel()
        let result = await task.result
        #expect(ContinuousClock.now - cancelledAt < .seconds(5))
        guard case .failure(let error as PostgresError) = result else {
            Issue.record("expected a PostgresError, got \(result)")
            return
        }
        #expect(error.isQueryCanceled)
    }

    @Test func aTaskCancelledBeforeItsStatementStartsNeverRunsIt() async throws {
        try await pool.withConnection { try $0.query("CREATE TABLE marks (n int)") }
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await pool.withConnection { try $0.query("INSERT INTO marks VALUES (1)") }
        }
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(try await pool.withConnection { try $0.query("SELECT count(*) AS n FROM marks")[0].require(Int.self, "n") } == 0)
    }

    @Test func blockingCallsRunOnTheConnectionsOwnThread() async throws {
        let name = try await pool.withConnection { _ in PostgresConnection.currentThreadName }
        #expect(PostgresConnection.currentThreadName.hasPrefix("postgres-") == false)
        #expect(name.hasPrefix("postgres-"))
    }

    @Test(.timeLimit(.minutes(1)))
    func aListenerReceivesNotificationsSentByAnotherSession() async throws {
        let database = try await TestCluster.freshDatabase()
        let listener = PostgresListener(
            configuration: PostgresConfiguration(connectionString: database.connectionString), channels: ["referrals"]
        )
        let run = Task { await listener.run() }
        defer { run.cancel() }
        var events = listener.events.makeAsyncIterator()
        #expect(await events.next() == .listening)
        // NOTIFY reaches listeners of the same database only.
        let sender = database.pool(maxConnections: 1)
        try await sender.withConnection { try $0.query("SELECT pg_notify($1, $2)", ["referrals", "hub:lado"]) }
        #expect(await events.next() == .notification(PostgresNotification(channel: "referrals", payload: "hub:lado")))
        sender.close()
    }
}
