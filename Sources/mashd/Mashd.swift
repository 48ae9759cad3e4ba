import ArgumentParser
import Foundation
import LocalCluster
import Logging
import MashAPI
import MashConfig
import MashStore
import NIOCore
import NIOPosix
import Postgres

/// `mashd`: the long-running daemon (CONTRACT §1, §6).
@main
struct Mashd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mashd",
        abstract: "The mash-broker daemon: referral intake over HTTP(S), stored in PostgreSQL.",
        discussion: """
            Settings come from the YAML file (--config, default \(ConfigurationLoader.defaultPath)),
            then MASH_* environment variables, then flags: a flag wins over its variable, the
            variable over the file. config/mashd.yaml documents every setting.
            With --dev it runs a private PostgreSQL cluster under ./.mash-dev/, creates demo
            hubs and agencies and prints a token for each kind.
            Examples:
              mashd --dev
              mashd --config /etc/mash-broker/mashd.yaml --check-config
              MASH_LOG_FORMAT=json mashd --database-url 'host=/run/postgresql dbname=mash user=mashd'
            """,
        version: MashBroker.version
    )

    @Option(help: "The YAML configuration file (env MASH_CONFIG).")
    var config: String?

    @Flag(help: "Validate the configuration, print it and exit: 0 when valid, 1 otherwise.")
    var checkConfig = false

    @Flag(help: "Run the embedded development setup under ./.mash-dev/.")
    var dev = false

    @Option(help: "libpq connection string or URI (databaseURL; default: libpq's PG* defaults).")
    var databaseURL: String?
    @Option(help: "Address to listen on (host; default 127.0.0.1).")
    var host: String?
    @Option(help: "Port to listen on, 0 for any free one (port; default 8080).")
    var port: String?
    @Option(help: "Database connections in the pool (poolSize; default 16).")
    var poolSize: String?
    @Option(help: "Batches of referrals written at once (batchWriters; default 1).")
    var batchWriters: String?
    @Option(help: "text or json (logFormat).")
    var logFormat: String?
    @Option(help: "trace, debug, info, notice, warning, error or critical (logLevel).")
    var logLevel: String?
    @Option(help: "How long SIGTERM waits for in-flight requests (gracePeriod; default 30s).")
    var gracePeriod: String?
    @Option(help: "PEM certificate chain: serve HTTPS (tls.certificate).")
    var tlsCertificate: String?
    @Option(help: "PEM private key of the certificate (tls.key).")
    var tlsKey: String?
    @Option(help: "PEM CA that client certificates must chain to: mutual TLS (tls.clientCA).")
    var tlsClientCa: String?
    @Option(help: "Largest request body in bytes (limits.bodyBytes; default 1048576).")
    var limitsBodyBytes: String?
    @Option(help: "Open connections at most (limits.connections; default 1024).")
    var limitsConnections: String?
    @Option(help: "Requests per minute per agency (limits.agencyRequestsPerMinute; default 600).")
    var limitsAgencyRequestsPerMinute: String?
    @Option(help: "Time allowed to send a request's headers (limits.headerTimeout; default 10s).")
    var limitsHeaderTimeout: String?
    @Option(help: "Time allowed to send a request's body (limits.bodyTimeout; default 20s).")
    var limitsBodyTimeout: String?

    /// The flags given, by the setting they set.
    var flagValues: [String: String] {
        let flags: [(String, String?)] = [
            ("databaseURL", databaseURL), ("host", host), ("port", port), ("poolSize", poolSize), ("batchWriters", batchWriters),
            ("logFormat", logFormat), ("logLevel", logLevel), ("gracePeriod", gracePeriod),
            ("tls.certificate", tlsCertificate), ("tls.key", tlsKey), ("tls.clientCA", tlsClientCa),
            ("limits.bodyBytes", limitsBodyBytes), ("limits.connections", limitsConnections),
            ("limits.agencyRequestsPerMinute", limitsAgencyRequestsPerMinute),
            ("limits.headerTimeout", limitsHeaderTimeout), ("limits.bodyTimeout", limitsBodyTimeout),
        ]
        return Dictionary(uniqueKeysWithValues: flags.compactMap { key, value in value.map { (key, $0) } })
    }

    /// Reads the configuration from the file, the environment and the flags.
    func loader() -> ConfigurationLoader {
        let environment = ProcessInfo.processInfo.environment
        return ConfigurationLoader(path: config ?? environment["MASH_CONFIG"], environment: environment, flags: flagValues)
    }

    /// Runs Swift concurrency's jobs on NIO's event loop threads, the ones that
    /// serve the sockets, instead of on a second pool of threads, so that a request
    /// does not hop between threads on its way through the handlers (A/B runs of
    /// intake: about 5% more referrals a second for the same CPU). Nothing mashd
    /// runs in a task blocks: libpq's calls wait on their connections' own threads.
    static func main() async {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        await main(nil)
    }

    mutating func run() async throws {
        let loader = loader()
        let settings: DaemonConfiguration
        do {
            settings = try loader.load()
        } catch {
            FileHandle.standardError.write(Data("mashd: \(error)\n".utf8))
            throw ExitCode(1)
        }
        if checkConfig {
            print(settings.summary)
            print("the configuration is valid")
            return
        }
        let logging = LoggingSettings(settings)
        LoggingSystem.bootstrap { LogLineHandler(label: $0, settings: logging) }
        let logger = Logger(label: "mashd")

        var cluster: LocalCluster?
        var databaseURL = settings.databaseURL
        if dev {
            let development = LocalCluster.development()
            try await DevSetup.startCluster(development, logger: logger)
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
                // No JIT compilation and no parallel workers: the only statements
                // large enough to get them are the periodic inbox gauges over a big
                // backlog, and those should take one core for as short a time as they
                // can, not every core while requests wait (docs/BENCHMARKS.md).
                sessionSettings: [
                    ("statement_timeout", "30s"), ("synchronous_commit", "on"), ("plan_cache_mode", "force_generic_plan"),
                    ("jit", "off"), ("max_parallel_workers_per_gather", "0"), ("TimeZone", "UTC"),
                ]
            ),
            maxConnections: settings.poolSize
        )
        let store = Store(pool: pool, batching: Store.Batching(maxConcurrentBatches: settings.batchWriters))
        let migrator = Migrator()
        do {
            try await Self.waitForDatabase(store: store, migrator: migrator, migrate: dev, logger: logger)
            if !dev { try await store.requireLeastPrivilege() }
            if let cluster {
                try await DevSetup.seed(store, cluster: cluster, host: settings.host, port: settings.port)
            }
            try await Daemon(settings: settings, loader: loader, logging: logging, store: store, migrator: migrator, logger: logger).run()
        } catch {
            pool.close()
            try? await cluster?.stop()
            throw error
        }
        pool.close()
        if let cluster {
            logger.info("stopping the development cluster")
            try await cluster.stop()
        }
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
