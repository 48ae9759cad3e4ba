import Synchronization

/// A setting that SIGHUP can change while the daemon runs: read by the services
/// that use it, replaced by `ReloadService`.
final class Reloadable<Value: Sendable>: Sendable {
    private let current: Mutex<Value>

    init(_ value: Value) {
        current = Mutex(value)
    }

    var value: Value { current.withLock { $0 } }

    func replace(with value: Value) {
        current.withLock { $0 = value }
    }
}
