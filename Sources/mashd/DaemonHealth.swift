import Synchronization

/// What the watchdog asks before it pings systemd: is the daemon serving yet,
/// and has the periodic work loop come round lately? A loop that stopped coming
/// round means the daemon is wedged, and only a restart will help.
final class DaemonHealth: Sendable {
    private let lastRound = Mutex<ContinuousClock.Instant>(.now)
    private let isServingNow = Atomic<Bool>(false)

    /// Called once the server listens and READY has gone out.
    func serving() {
        isServingNow.store(true, ordering: .releasing)
    }

    var isServing: Bool { isServingNow.load(ordering: .acquiring) }

    /// Called by the periodic work loop at the end of every round, whatever its outcome.
    func periodicWorkRan() {
        lastRound.withLock { $0 = .now }
    }

    /// How long ago the periodic work loop last came round.
    var sinceLastRound: Duration { .now - lastRound.withLock { $0 } }
}
