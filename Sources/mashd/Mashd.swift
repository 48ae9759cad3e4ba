import ArgumentParser
import Foundation
import Hummingbird
import LocalCluster
import Logging
import MashAPI
import MashStore
import Metrics
import Postgres
import Prometheus
import ServiceLifecycle

/// `mashd`: the long-running daemon (CONTRACT §1, §6).
@main
struct Mashd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mashd",
        abstract: "The mash-broker daemon: referral intake over HTTP, stored in PostgreSQL.",
        discussion: """
            Every option can also be set by its MASH_* environment variable; a flag wins.
            With --dev it runs a private PostgreSQL cluster under ./.mash-dev/, creates demo
            hubs and agencies and prints a token for each kind.
            """,
        version: MashBroker.version
    )

    @Option(help: "libpq connection string or URI (env MASH_DATABASE_URL; default: libpq's PG* defaults).")
    var databaseURL: String?

    @Option(help: "Address to listen on (env MASH_HOST; default 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on, 0 for any free one (env MASH_PORT; default 8080).")
    var port: Int?

    @Option(help: "Database connections in the pool (env MASH_POOL_SIZE; default 16).")
    var poolSize: Int?

    @Flag(help: "Run the embedded development setup under ./.mash-dev/.")
    var dev = false

    mutating func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        LoggingSystem.bootstrap { LogLineHandler(label: $0) }
        var logger = Logger(label: "mashd")
        logger.logLevel = environment["MASH_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info

        let host = host ?? environment["MASH_HOST"] ?? "127.0.0.1"
        let port = port ?? environment["MASH_PORT"].map({ Int($0) ?? -1 }) ?? 8080
        guard (0...65535).contains(port) else {
            throw ValidationError("the port must be a number from 0 to 65535")
        }
        let poolSize = poolSize ?? environment["MASH_POOL_SIZE"].map({ Int($0) ?? 0 }) ?? 16
        guard poolSize > 0 else {
            throw ValidationError("the pool size must be a positive number")
        }

        var cluster: LocalCluster?
        var databaseURL = databaseURL ?? environment["MASH_DATABASE_URL"]
        if dev {
            let development = LocalCluster.development()
            try DevSetup.startCluster(development, logger: logger)
            cluster = development
            databaseURL = development.connectionString(database: LocalCluster.developmentDatabase)
        }

        let pool = ConnectionPool(
            configuration: PostgresConfiguration(
                connectionString: databaseURL, applicationName: "mashd",
                // Generic plans: every statement mashd runs is an indexed lookup whose
                // best plan does not depend on its values, and intake's history
                // statement, prepared once per connection, would otherwise be planned
                // again for every batch (its arrays make the generic plan look dearer).
                sessionSettings: [("statement_timeout", "30s"), ("synchronous_commit", "on"), ("plan_cache_mode", "force_generic_plan"), ("TimeZone", "UTC")]
            ),
            maxConnections: poolSize
        )
        let store = Store(pool: pool)
        let migrator = Migrator()
        do {
            try await Self.waitForDatabase(store: store, migrator: migrator, migrate: dev, logger: logger)
            if !dev { try await store.requireLeastPrivilege() }
            if let cluster {
                try await DevSetup.seed(store, cluster: cluster, host: host, port: port)
            }
            try await serve(store: store, migrator: migrator, host: host, port: port, logger: logger)
        } catch {
            pool.close()
            try? cluster?.stop()
            throw error
        }
        pool.close()
        if let cluster {
            logger.info("stopping the development cluster")
            try cluster.stop()
        }
    }

    private func serve(store: Store, migrator: Migrator, host: String, port: Int, logger: Logger) async throws {
        let daemon = DaemonRecord(
            id: UUID(), host: ProcessInfo.processInfo.hostName, pid: Int(getpid()),
            version: MashBroker.version, listen: "\(host):\(port)", startedAt: Date(), seenAt: Date()
        )
        // The thresholds in use are loaded before the server starts, so that no
        // referral is refused for want of them while a version is applied.
        let thresholds = ThresholdsInUse()
        let loader = ThresholdsLoader(store: store, thresholds: thresholds, daemon: daemon, logger: logger)
        await loader.loadLatest()
        if thresholds.current == nil {
            logger.warning("no threshold document has been applied: referrals are refused with 503 until `mashctl rules apply`")
        }
        let metrics = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics))
        let app = Application(
            router: MashAPI(store: store, migrator: migrator, thresholds: thresholds, metrics: { metrics.emitToBuffer() }).router(),
            configuration: .init(address: .hostname(host, port: port), serverName: "mashd/\(MashBroker.version)"),
            onServerRunning: { channel in
                // Tests and scripts read this line to learn the port when asked for port 0.
                FileHandle.standardOutput.write(Data("mashd listening on \(host):\(channel.localAddress?.port ?? port)\n".utf8))
            },
            logger: logger
        )
        let group = ServiceGroup(configuration: .init(
            services: [
                .init(service: app),
                .init(service: HeartbeatService(store: store, daemon: daemon, thresholds: thresholds, logger: logger)),
                .init(service: NotificationService(
                    listener: PostgresListener(configuration: store.pool.configuration, channels: NotificationService.channels),
                    thresholds: loader, signals: store.signals
                )),
                .init(service: DeliveryWatchService(store: store, logger: logger)),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        try await group.run()
        try? await store.signOff(daemonID: daemon.id)
        logger.info("stopped")
    }

    /// Waits up to 30 s for the database, then insists on this build's schema
    /// version (migrating first in --dev).
    static func waitForDatabase(store: Store, migrator: Migrator, migrate: Bool, logger: Logger) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            do {
                if migrate { _ = try await migrator.migrate(store.pool) }
                try await migrator.requireCurrent(store.pool)
                return
            } catch let error as PostgresError where error.isUnavailable && ContinuousClock.now < deadline {
                logger.warning("waiting for the database", metadata: ["error": "\(error.message)"])
                try await Task.sleep(for: .seconds(1))
            }
        }
    }
}
