import Synchronization

/// A connection together with the one thread allowed to touch it.
///
/// `@unchecked Sendable` because `connection` is not: it is created, used and
/// closed only inside jobs running on `thread`, so it is never touched by two
/// threads, whichever task holds this handle.
final class ConfinedConnection: @unchecked Sendable {
    private let thread: ConfinementThread
    private var connection: PostgresConnection?  // only on `thread`
    private let cancelToken = Mutex<PostgresCancelToken?>(nil)
    private let broken = Atomic<Bool>(false)

    private init(thread: ConfinementThread) { self.thread = thread }

    /// Opens a connection on a new dedicated thread.
    static func open(_ configuration: PostgresConfiguration, name: String) async throws -> ConfinedConnection {
        let handle = ConfinedConnection(thread: ConfinementThread(name: name))
        do {
            try await handle.thread.run {
                let connection = try PostgresConnection(configuration: configuration)
                handle.connection = connection
                handle.cancelToken.withLock { $0 = connection.cancelToken }
            }
        } catch {
            handle.thread.stop()
            throw error
        }
        return handle
    }

    /// True once the connection has failed in a way that makes it unusable.
    var isBroken: Bool { broken.load(ordering: .acquiring) }

    /// Runs `body` with the connection on its thread. Cancelling the calling task
    /// asks the server to cancel the running statement; a cancel that arrives before
    /// the job has started stops it from starting at all.
    func run<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        let cancelled = Atomic<Bool>(false)
        return try await withTaskCancellationHandler {
            try await thread.run { [self] in
                guard let connection else {
                    throw PostgresError(code: .closed, message: "the connection has been closed")
                }
                guard !cancelled.load(ordering: .acquiring) else { throw CancellationError() }
                defer { if connection.isBroken { broken.store(true, ordering: .releasing) } }
                return try body(connection)
            }
        } onCancel: {
            cancelled.store(true, ordering: .releasing)
            cancelToken.withLock { $0?.cancelRunningQuery() }
        }
    }

    /// Closes the connection and ends its thread, once queued work is done.
    func close() {
        thread.submit { [self] in
            cancelToken.withLock { $0 = nil }
            connection = nil
        }
        thread.stop()
    }
}
