import Foundation
import LocalCluster
import MashStore
import Postgres
import Synchronization

/// PostgreSQL for the tests: a real server in a temporary directory, reachable only
/// through its Unix socket, started by the tests themselves (as `postgres` when
/// run as root). A test that needs it fails, never skips, when it cannot start.
public enum TestCluster {
    /// The cluster every test in this process shares, with a migrated template database.
    public static func shared() async throws -> LocalCluster {
        try await SharedCluster.instance.value.get()
    }

    /// A new, empty database migrated to this build's schema, for one test.
    public static func freshDatabase() async throws -> TestDatabase {
        let cluster = try await shared()
        let name = "test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        // Copying a template fails while a connection to it is still closing.
        for attempt in 1...20 {
            do {
                try await cluster.createDatabase(name, template: SharedCluster.templateName)
                break
            } catch let error as LocalClusterError where error.output.contains("being accessed by other users") && attempt < 20 {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        return TestDatabase(cluster: cluster, name: name)
    }

    /// Migrates `database` to this build's schema and gives its cluster the
    /// `TestLogin`s (roles belong to the cluster: once is enough, again is harmless).
    public static func migrate(_ database: TestDatabase) async throws {
        let pool = database.pool(maxConnections: 1)
        defer { pool.close() }
        _ = try await Migrator().migrate(pool)
        for login in TestLogin.allCases {
            try await database.createLogin(login.rawValue, "IN ROLE \(login.groupRole)")
        }
    }

    /// Runs `body` with a cluster of the test's own, for tests that stop or restart
    /// the server; then stops the cluster and deletes its files.
    public static func withPrivateCluster(_ body: (LocalCluster) async throws -> Void) async throws {
        let cluster = LocalCluster(directory: try makeDirectory())
        try await discarding(cluster) {
            try await cluster.initialiseIfNeeded()
            try await cluster.start(settings: fastSettings)
            try await body(cluster)
        }
    }

    /// Runs `body` with a running streaming standby of a private cluster (see
    /// `LocalCluster.initialiseAsStandby`); then stops it and deletes its files.
    public static func withPrivateStandby(of primary: LocalCluster, _ body: (LocalCluster) async throws -> Void) async throws {
        let standby = LocalCluster(directory: try makeDirectory())
        try await discarding(standby) {
            try await standby.initialiseAsStandby(of: primary)
            try await standby.start(settings: fastSettings)
            try await body(standby)
        }
    }

    /// Runs `body` with a database `mash` in a cluster of the test's own, migrated
    /// and with the test logins, for tests that stop, kill or fail over the server;
    /// then stops the cluster and deletes its files.
    public static func withPrivateDatabase(_ body: (TestDatabase) async throws -> Void) async throws {
        try await withPrivateCluster { cluster in
            try await cluster.createDatabase("mash")
            let database = TestDatabase(cluster: cluster, name: "mash")
            try await migrate(database)
            try await body(database)
        }
    }

    /// Runs `body`, then stops `cluster` and deletes its files, whether `body`
    /// returned or threw.
    private static func discarding(_ cluster: LocalCluster, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch {
            await discard(cluster)
            throw error
        }
        await discard(cluster)
    }

    /// Stops `cluster` at once and deletes its files.
    private static func discard(_ cluster: LocalCluster) async {
        try? await cluster.stop(mode: "immediate")
        try? FileManager.default.removeItem(at: cluster.directory)
    }

    /// Durability settings traded for speed: these tests kill processes, not the
    /// machine, and a killed PostgreSQL still recovers everything from the WAL
    /// that reached the kernel.
    static let fastSettings = ["fsync": "off", "full_page_writes": "off", "max_connections": "300"]

    static func makeDirectory() throws -> URL {
        let base = ProcessInfo.processInfo.environment["MASH_TEST_TMPDIR"].map(URL.init(fileURLWithPath:))
            ?? FileManager.default.temporaryDirectory
        let directory = base.appendingPathComponent("mash-test-" + UUID().uuidString.prefix(8).lowercased())
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }
}

/// One test's database in the shared cluster.
public struct TestDatabase: Sendable {
    public let cluster: LocalCluster
    public let name: String

    public init(cluster: LocalCluster, name: String) {
        self.cluster = cluster
        self.name = name
    }

    /// As the superuser, who owns everything: for setting up and checking.
    public var connectionString: String { cluster.connectionString(database: name) }

    /// As one of the programs' logins.
    public func connectionString(as login: TestLogin) -> String { connectionString(user: login.rawValue) }

    /// As any role with LOGIN.
    public func connectionString(user: String) -> String { cluster.connectionString(database: name, user: user) }

    /// A pool on this database (closed by the caller, or at process exit).
    public func pool(maxConnections: Int = 8) -> ConnectionPool {
        ConnectionPool(configuration: PostgresConfiguration(connectionString: connectionString, applicationName: "mash-tests"), maxConnections: maxConnections)
    }

    public func store(maxConnections: Int = 8) -> Store { Store(pool: pool(maxConnections: maxConnections)) }

    /// Creates a LOGIN role with `options` (e.g. `IN ROLE mash_ops`) unless one of
    /// that name exists: roles belong to the cluster, which other tests share.
    public func createLogin(_ name: String, _ options: String = "") async throws {
        let pool = pool(maxConnections: 1)
        defer { pool.close() }
        try await pool.withConnection { connection in
            try connection.query("""
                DO $$ BEGIN
                    CREATE ROLE \(name) LOGIN \(options);
                EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
                END $$
                """)
        }
    }
}

/// The LOGIN roles the tests connect as, each granted one group role of
/// sql/0008_roles.sql, as an operator creates them.
public enum TestLogin: String, CaseIterable, Sendable {
    case daemon = "mashd"
    case coordinator = "coordinator"
    case ops = "operator"

    public var groupRole: String {
        switch self {
        case .daemon: "mash_daemon"
        case .coordinator: "mash_coordinator"
        case .ops: "mash_ops"
        }
    }
}

/// Starts the shared cluster once per process and stops it when the process exits.
private enum SharedCluster {
    static let templateName = "mash_template"

    static let instance = Task<Result<LocalCluster, any Error>, Never> {
        do {
            let cluster = LocalCluster(directory: try TestCluster.makeDirectory())
            try await cluster.initialiseIfNeeded()
            try await cluster.start(settings: TestCluster.fastSettings)
            clusterToStopAtExit.withLock { $0 = cluster }
            atexit {
                guard let cluster = SharedCluster.clusterToStopAtExit.withLock({ $0 }) else { return }
                cluster.stopAtExit()
                try? FileManager.default.removeItem(at: cluster.directory)
            }
            try await cluster.createDatabase(templateName)
            try await TestCluster.migrate(TestDatabase(cluster: cluster, name: templateName))
            return .success(cluster)
        } catch {
            return .failure(error)
        }
    }

    static let clusterToStopAtExit = Mutex<LocalCluster?>(nil)
}
