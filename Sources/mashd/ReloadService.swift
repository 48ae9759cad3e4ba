import Logging
import MashAPI
import MashConfig
import ServiceLifecycle
import UnixSignals

/// SIGHUP: reads the configuration again and applies what a running daemon can
/// change (log format and level, the agencies' request rate). Changes to anything else are logged as waiting for a restart; a
/// configuration with problems is refused whole and the one in use is kept.
struct ReloadService: Service {
    /// Trapped before the server starts, so that a SIGHUP sent as soon as systemd
    /// hears READY reloads rather than kills the daemon.
    let hangups: UnixSignalsSequence
    let loader: ConfigurationLoader
    let applied: DaemonConfiguration
    let logging: LoggingSettings
    let rateLimiter: RateLimiter
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var current = applied
            for await _ in hangups {
                do {
                    let next = try loader.load()
                    let changed = next.changedKeys(from: current)
                    let waiting = changed.filter { key in Setting.named(key).map { !$0.reloadable } ?? false }
                    logging.update(next)
                    rateLimiter.update(perMinute: next.limits.agencyRequestsPerMinute)
                    current = next
                    logger.notice("configuration reloaded", metadata: [
                        "changed": "\(changed.joined(separator: ","))",
                        "needsRestart": "\(waiting.joined(separator: ","))",
                    ])
                } catch {
                    logger.error("configuration not reloaded; keeping the one in use", metadata: ["problems": "\(error)"])
                }
            }
        }
    }
}
