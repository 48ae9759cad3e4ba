import Logging
import MashAPI
import MashStore
import MashTriage
import Postgres
import ServiceLifecycle
import Synchronization

/// Keeps `ThresholdsInUse` on the latest applied version: loads it at start, and
/// again whenever `mashctl rules apply` announces one (LISTEN/NOTIFY) or the
/// listening connection comes back after a break, when an announcement may have
/// been missed. Within a second or so of `rules apply`, every daemon uses it.
struct ThresholdsService: Service {
    let store: Store
    let listener: PostgresListener
    let thresholds: ThresholdsInUse
    let daemon: DaemonRecord
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await listener.run() }
                for await event in listener.events {
                    guard !Task.isCancelled else { break }
                    switch event {
                    case .listening, .notification:
                        await loadLatest()
                    }
                }
                group.cancelAll()
            }
        }
    }

    /// Loads the latest version if it is not the one in use. A version this build
    /// cannot read (written for a newer one) is logged and the one in use is kept.
    func loadLatest() async {
        do {
            guard let latest = try await store.thresholds(), latest.version != thresholds.current?.version.version else { return }
            switch ThresholdParser.parse(latest.document) {
            case .success(let document):
                thresholds.replace(with: .init(version: latest, engine: TriageEngine(document: document)))
                try await store.heartbeat(daemon, thresholdVersion: latest.version)
                logger.info("thresholds in use", metadata: ["version": "\(latest.version)", "name": "\(latest.name)"])
            case .failure(let error):
                logger.error("cannot read the applied thresholds; keeping the ones in use", metadata: [
                    "version": "\(latest.version)", "problems": "\(error.problems.count)",
                ])
            }
        } catch {
            logger.warning("could not load the thresholds; will try again", metadata: ["error": "\(error)"])
        }
    }
}
