import Foundation
import Hummingbird
import Logging
import MashAPI
import MashConfig
import MashStore
import Metrics
import Postgres
import Prometheus
import ServiceLifecycle
import UnixSignals

/// The running daemon: the HTTP(S) server and the services beside it, started
/// together and stopped together on SIGTERM or SIGINT (graceful: the server stops
/// accepting and finishes in-flight requests, within the grace period).
struct Daemon {
    let settings: DaemonConfiguration
    let loader: ConfigurationLoader
    let logging: LoggingSettings
    let store: Store
    let migrator: Migrator
    let logger: Logger

    func run() async throws {
        let listen = "\(settings.host):\(settings.port)"
        let record = DaemonRecord(
            id: UUID(), host: ProcessInfo.processInfo.hostName, pid: Int(getpid()),
            version: MashBroker.version, listen: listen, startedAt: Date(), seenAt: Date()
        )
        // The thresholds in use are loaded before the server starts, so that no
        // referral is refused for want of them while a version is applied.
        let thresholds = ThresholdsInUse()
        let loader = ThresholdsLoader(store: store, thresholds: thresholds, daemon: record, logger: logger)
        await loader.loadLatest()
        if thresholds.current == nil {
            logger.warning("no threshold document has been applied: referrals are refused with 503 until `mashctl rules apply`")
        }

        let metrics = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics))
        let pool = store.pool
        let rateLimiter = RateLimiter(perMinute: settings.limits.agencyRequestsPerMinute)
        var api = MashAPI.Configuration()
        api.bodyLimit = settings.limits.bodyBytes
        api.requireClientCertificate = settings.tls.clientCA != nil
        let health = DaemonHealth()
        let systemd = SystemdService(notifier: SystemdNotifier(), store: store, health: health, logger: logger)
        let scheme = settings.tls.isEnabled ? "https" : "http"
        let app = Application(
            router: MashAPI(
                store: store, migrator: migrator, thresholds: thresholds, configuration: api, rateLimiter: rateLimiter,
                metrics: {
                    let usage = pool.usage
                    Gauge(label: "mash_db_pool_connections", dimensions: [("state", "open")]).record(usage.open)
                    Gauge(label: "mash_db_pool_connections", dimensions: [("state", "idle")]).record(usage.idle)
                    Gauge(label: "mash_db_pool_waiting").record(usage.waiting)
                    return metrics.emitToBuffer()
                }
            ).router(),
            server: try HTTPServer.builder(settings),
            configuration: HTTPServer.configuration(settings),
            onServerRunning: { [settings] channel in
                let port = channel.localAddress?.port ?? settings.port
                // Tests and scripts read this line to learn the port when asked for port 0.
                FileHandle.standardOutput.write(Data("mashd listening on \(settings.host):\(port)\n".utf8))
                systemd.ready(listening: "\(scheme)://\(settings.host):\(port)")
            },
            logger: logger
        )
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        let leadership = SessionLock(configuration: pool.configuration, key: PeriodicWorkService.leadershipKey)
        let group = ServiceGroup(configuration: .init(
            services: [
                .init(service: app),
                .init(service: systemd),
                .init(service: HeartbeatService(store: store, daemon: record, thresholds: thresholds, logger: logger)),
                .init(service: NotificationService(
                    listener: PostgresListener(configuration: pool.configuration, channels: NotificationService.channels),
                    thresholds: loader, signals: store.signals
                )),
                .init(service: LeadershipService(lock: leadership)),
                .init(service: PeriodicWorkService(store: store, leadership: leadership, health: health, logger: logger)),
                .init(service: ReloadService(hangups: hangups, loader: self.loader, applied: settings, logging: logging, rateLimiter: rateLimiter, logger: logger)),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ).withGracePeriod(settings.gracePeriod))
        logger.info("starting", metadata: ["version": "\(MashBroker.version)", "listen": "\(scheme)://\(listen)"])
        try await group.run()
        try? await store.signOff(daemonID: record.id)
        logger.info("stopped")
    }
}

/// Competes for the leadership of periodic work while the daemon runs.
struct LeadershipService: Service {
    let lock: SessionLock

    func run() async throws {
        await cancelWhenGracefulShutdown { await lock.run() }
    }
}

extension ServiceGroupConfiguration {
    /// Cancels what is still running once `gracePeriod` has passed since shutdown began.
    func withGracePeriod(_ gracePeriod: Duration) -> Self {
        var configuration = self
        configuration.maximumGracefulShutdownDuration = gracePeriod
        return configuration
    }
}
