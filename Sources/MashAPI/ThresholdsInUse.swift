import MashStore
import MashTriage
import Synchronization

/// The threshold document a daemon has in use, read by intake for every referral
/// and swapped whole when a new version is loaded.
public final class ThresholdsInUse: Sendable {
    public struct Loaded: Sendable {
        public let version: ThresholdVersion
        public let engine: TriageEngine

        public init(version: ThresholdVersion, engine: TriageEngine) {
            self.version = version
            self.engine = engine
        }

        var forIntake: IntakeThresholds { IntakeThresholds(version: version.version, engine: engine) }
    }

    private let loaded = Mutex<Loaded?>(nil)

    public init() {}

    /// Nil until a version has been loaded.
    public var current: Loaded? { loaded.withLock { $0 } }

    public func replace(with new: Loaded) { loaded.withLock { $0 = new } }
}
