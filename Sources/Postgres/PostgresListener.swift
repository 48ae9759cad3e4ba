import Synchronization

/// Listens on PostgreSQL notification channels over one dedicated connection, and
/// reconnects (re-listening) whenever that connection is lost.
///
/// Notifications sent while the listener was disconnected are lost, so after every
/// (re)connection it delivers `.listening`: a consumer should then re-read whatever
/// state the notifications stand for.
public final class PostgresListener: Sendable {
    public enum Event: Sendable, Equatable {
        /// Connected and listening on every channel; anything may have been missed before.
        case listening
        case notification(PostgresNotification)
    }

    private let configuration: PostgresConfiguration
    private let channels: [String]
    private let reconnectDelay: Duration
    private let stream: AsyncStream<Event>
    private let continuation: AsyncStream<Event>.Continuation

    public init(configuration: PostgresConfiguration, channels: [String], reconnectDelay: Duration = .seconds(1)) {
        self.configuration = configuration
        self.channels = channels
        self.reconnectDelay = reconnectDelay
        (stream, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingNewest(10_000))
    }

    /// The events, for one consumer. The stream finishes when `run()` returns.
    public var events: AsyncStream<Event> { stream }

    /// Listens until the calling task is cancelled.
    public func run() async {
        defer { continuation.finish() }
        let stopping = Atomic<Bool>(false)
        while !Task.isCancelled {
            do {
                let connection = try await ConfinedConnection.open(configuration, name: "postgres-listener")
                defer { connection.close() }
                try await withTaskCancellationHandler {
                    try await connection.run { [channels, continuation] connection in
                        for channel in channels { try connection.listen(channel) }
                        continuation.yield(.listening)
                        while !stopping.load(ordering: .acquiring) {
                            for notification in try connection.waitForNotifications(timeout: .milliseconds(200)) {
                                continuation.yield(.notification(notification))
                            }
                        }
                    }
                } onCancel: {
                    stopping.store(true, ordering: .releasing)
                }
            } catch {
                // Lost or never made: try again shortly, unless we are stopping.
            }
            try? await Task.sleep(for: reconnectDelay)
        }
    }
}
