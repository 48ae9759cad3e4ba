import Logging
import MashAPI
import MashStore
import ServiceLifecycle

/// Records every 10 s that this daemon is alive, for `mashctl status`, and tells
/// the other daemons, so that they go on sending it inbox notifications.
struct HeartbeatService: Service {
    let store: Store
    let daemon: DaemonRecord
    let thresholds: ThresholdsInUse
    let logger: Logger
    var interval: Duration = .seconds(10)

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await store.heartbeat(daemon, thresholdVersion: thresholds.current?.version.version)
                } catch {
                    logger.debug("heartbeat not recorded", metadata: ["error": "\(error)"])
                }
                await store.signals.announce()
                // Cancelled at shutdown: end quietly, not as a failed service.
                try? await Task.sleep(for: interval)
            }
        }
    }
}
