import Logging
import MashStore
import ServiceLifecycle

/// Tells systemd how the daemon is (`Type=notify`): READY once the database
/// answered at the expected schema and the server listens (`ready()`, called by
/// the server), STOPPING when graceful shutdown begins, and, when systemd asks
/// for a watchdog, a ping every half interval while the daemon is healthy.
///
/// Healthy means the daemon's own loops run and a database call returns, with an
/// answer or an error, within half the watchdog interval. A database outage is
/// not the daemon's fault: it keeps pinging, says so in STATUS, answers 503, and
/// recovers by itself when the database is back; restarting would not help. A
/// wedged daemon (its periodic loop stuck, or a database call that never returns)
/// misses its pings, and systemd restarts it.
struct SystemdService: Service {
    let notifier: SystemdNotifier
    let store: Store
    let health: DaemonHealth
    let logger: Logger

    /// Called once the server listens.
    func ready(listening: String) {
        notifier.notify("READY=1", "STATUS=serving on \(listening)")
        health.serving()
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            guard let interval = notifier.watchdogInterval else {
                try? await gracefulShutdown()
                return
            }
            let half = interval / 2
            var databaseWasUp = true
            // systemd's watchdog runs from READY on, and so do the pings.
            while !health.isServing && !Task.isShuttingDownGracefully && !Task.isCancelled {
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(50)) }
            }
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                let probe = await Self.probe(store, within: half)
                switch probe {
                case .answered:
                    if !databaseWasUp { notifier.notify("STATUS=serving; the database is back") }
                    databaseWasUp = true
                case .unreachable:
                    if databaseWasUp { notifier.notify("STATUS=the database is unreachable; answering 503 until it is back") }
                    databaseWasUp = false
                case .noAnswer:
                    logger.error("watchdog: a database call did not return in time; not pinging systemd")
                }
                let loopAlive = health.sinceLastRound < interval
                if !loopAlive { logger.error("watchdog: the periodic work loop is stuck; not pinging systemd") }
                if probe != .noAnswer && loopAlive { notifier.notify("WATCHDOG=1") }
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: half) }
            }
        } onGracefulShutdown: {
            notifier.notify("STOPPING=1", "STATUS=stopping: finishing in-flight requests")
        }
    }

    enum Probe { case answered, unreachable, noAnswer }

    /// Asks the database for `SELECT 1`, giving up after `limit`.
    static func probe(_ store: Store, within limit: Duration) async -> Probe {
        await withTaskGroup(of: Probe.self) { group in
            group.addTask {
                do {
                    try await store.ping()
                    return .answered
                } catch {
                    return .unreachable
                }
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return .noAnswer
            }
            let first = await group.next() ?? .noAnswer
            group.cancelAll()
            return first
        }
    }
}
