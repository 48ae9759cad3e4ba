import Synchronization

/// Holds a PostgreSQL session-level advisory lock on a connection of its own, for
/// as long as that connection lives: the way several processes on one database
/// elect one of them to do something.
///
/// `run()` connects, tries the lock every `retryInterval` until it gets it, then
/// checks the connection every `checkInterval`. When the holder's process dies its
/// session ends and the server releases the lock, so another holder gets it within
/// one retry interval. When the connection is lost, `isHeld` turns false at the
/// next check and `run()` connects again. Between a lost connection and that
/// check, two holders may both believe they hold the lock: work done under it
/// must be safe to run twice.
public final class SessionLock: Sendable {
    /// The lock's key, shared by every process competing for it.
    public let key: Int
    private let configuration: PostgresConfiguration
    private let retryInterval: Duration
    private let checkInterval: Duration
    private let held = Atomic<Bool>(false)

    public init(configuration: PostgresConfiguration, key: Int, retryInterval: Duration = .seconds(5), checkInterval: Duration = .seconds(5)) {
        self.configuration = configuration
        self.key = key
        self.retryInterval = retryInterval
        self.checkInterval = checkInterval
    }

    /// True while this process holds the lock (as of the last check).
    public var isHeld: Bool { held.load(ordering: .acquiring) }

    /// Competes for the lock until the calling task is cancelled, then lets it go.
    public func run() async {
        while !Task.isCancelled {
            do {
                let connection = try await ConfinedConnection.open(configuration, name: "postgres-session-lock")
                defer {
                    held.store(false, ordering: .releasing)
                    connection.close()  // ends the session: the server releases the lock
                }
                while !Task.isCancelled {
                    if isHeld {
                        try await connection.run { connection in _ = try connection.query("SELECT 1") }
                    } else {
                        let holding = try await connection.run { [key] connection in
                            try connection.query("SELECT pg_try_advisory_lock($1) AS held", [key])[0].require(Bool.self, "held")
                        }
                        held.store(holding, ordering: .releasing)
                    }
                    try await Task.sleep(for: isHeld ? checkInterval : retryInterval)
                }
            } catch {
                // Lost, or never made: try again shortly.
                held.store(false, ordering: .releasing)
            }
            try? await Task.sleep(for: retryInterval)
        }
    }
}
