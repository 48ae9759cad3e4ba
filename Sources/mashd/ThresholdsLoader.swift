import Logging
import MashAPI
import MashStore
import MashTriage
import Postgres

/// Keeps `ThresholdsInUse` on the latest applied version: loads it at start, and
/// again whenever `NotificationService` hears that `mashctl rules apply` announced
/// one, or that an announcement may have been missed. Within a second or so of
/// `rules apply`, every daemon uses it.
struct ThresholdsLoader {
    let store: Store
    let thresholds: ThresholdsInUse
    let daemon: DaemonRecord
    let logger: Logger

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
