import Synchronization

/// A bounded pool of PostgreSQL connections, each confined to its own thread.
///
/// Connections open on demand up to `maxConnections`. A connection that breaks is
/// discarded along with every idle one (after a server restart they are all dead),
/// and the next request opens fresh ones: the pool recovers by itself as soon as
/// the server is back. Requests that find every connection busy wait, first come
/// first served, up to `leaseTimeout`, then fail with `.poolTimeout`.
///
/// The bookkeeping is a small state machine behind one lock, so taking an idle
/// connection costs no hop to another executor; only waiting suspends.
public final class ConnectionPool: Sendable {
    public let configuration: PostgresConfiguration
    public let maxConnections: Int
    public let leaseTimeout: Duration
    private let state = Mutex(State())

    public init(configuration: PostgresConfiguration, maxConnections: Int = 16, leaseTimeout: Duration = .seconds(5)) {
        precondition(maxConnections > 0, "a pool needs at least one connection")
        self.configuration = configuration
        self.maxConnections = maxConnections
        self.leaseTimeout = leaseTimeout
    }

    /// Runs `body` with a pooled connection, on that connection's own thread.
    /// Everything `body` does is synchronous, so a transaction inside it costs one
    /// hop to the connection's thread, not one per statement.
    @discardableResult
    public func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        let connection = try await lease()
        defer { release(connection) }
        return try await connection.run(body)
    }

    /// Connections open, of them idle, and requests waiting for one: for metrics.
    public var usage: (open: Int, idle: Int, waiting: Int) {
        state.withLock { ($0.openCount, $0.idle.count, $0.waiters.count) }
    }

    /// Closes idle connections, fails waiting requests and refuses new ones.
    /// Leased connections close when they are returned.
    public func close() {
        let (idle, waiters) = state.withLock { state in
            state.isClosed = true
            state.openCount -= state.idle.count
            defer { state.idle.removeAll(); state.waiters.removeAll() }
            return (state.idle, state.waiters)
        }
        idle.forEach { $0.close() }
        waiters.forEach { $0.continuation.resume(throwing: Self.closedError) }
    }

    // MARK: Leasing

    private func lease() async throws -> ConfinedConnection {
        switch state.withLock({ $0.claim(maxConnections: maxConnections) }) {
        case .idle(let connection): return connection
        case .open(let number): return try await open(number: number)
        case .closed: throw Self.closedError
        case .full: return try await waitForConnection()
        }
    }

    /// Queues the caller until a connection is released, the lease times out or
    /// the task is cancelled, whichever comes first.
    private func waitForConnection() async throws -> ConfinedConnection {
        let id = state.withLock { $0.makeWaiterID() }
        let timeout = leaseTimeout
        let timer = Task { [weak self] in
            try await Task.sleep(for: timeout)
            self?.failWaiter(id, PostgresError(code: .poolTimeout, message: "no database connection became free within \(timeout)"))
        }
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                // Checked under the lock: a cancellation handler that ran before
                // the waiter was queued found nothing to fail.
                let claim = state.withLock { state -> State.Claim in
                    Task.isCancelled ? .closed : state.claim(maxConnections: maxConnections, orQueue: Waiter(id: id, continuation: continuation))
                }
                switch claim {
                case .idle(let connection): continuation.resume(returning: connection)
                case .open(let number): openForWaiter(continuation, number: number)
                case .closed: continuation.resume(throwing: Task.isCancelled ? CancellationError() : Self.closedError)
                case .full: break  // queued
                }
            }
        } onCancel: {
            failWaiter(id, CancellationError())
        }
    }

    private func open(number: Int) async throws -> ConfinedConnection {
        do {
            return try await ConfinedConnection.open(configuration, name: "postgres-\(number)")
        } catch {
            state.withLock { $0.openCount -= 1 }
            throw error
        }
    }

    private func openForWaiter(_ continuation: CheckedContinuation<ConfinedConnection, any Error>, number: Int) {
        Task {
            do {
                continuation.resume(returning: try await open(number: number))
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }

    private func release(_ connection: ConfinedConnection) {
        switch state.withLock({ $0.release(connection, maxConnections: maxConnections) }) {
        case .keep:
            break
        case .handOver(let waiter):
            waiter.continuation.resume(returning: connection)
        case .discard(let connections, let waiter, let number):
            connections.forEach { $0.close() }
            if let waiter, let number { openForWaiter(waiter.continuation, number: number) }
        }
    }

    private func failWaiter(_ id: Int, _ error: any Error) {
        state.withLock { $0.removeWaiter(id) }?.continuation.resume(throwing: error)
    }

    private static let closedError = PostgresError(code: .closed, message: "the connection pool has been closed")
}

/// A request queued for a connection.
private struct Waiter {
    let id: Int
    let continuation: CheckedContinuation<ConfinedConnection, any Error>
}

/// The pool's bookkeeping; every method runs under the pool's lock and does no I/O.
private struct State: ~Copyable {
    var idle: [ConfinedConnection] = []
    /// Idle, leased and opening connections.
    var openCount = 0
    var waiters: [Waiter] = []
    var nextWaiterID = 0
    var nextConnectionNumber = 0
    var isClosed = false

    enum Claim {
        case idle(ConfinedConnection)
        /// Open a new connection with this number; it is already counted.
        case open(number: Int)
        case closed
        /// Every connection is leased (and `waiter`, if given, is queued).
        case full
    }

    enum Release {
        case keep
        case handOver(Waiter)
        /// Close these; open a connection for `waiter`, if any, with this number.
        case discard([ConfinedConnection], waiter: Waiter?, number: Int?)
    }

    mutating func claim(maxConnections: Int, orQueue waiter: Waiter? = nil) -> Claim {
        if isClosed { return .closed }
        if let connection = idle.popLast() { return .idle(connection) }
        if openCount < maxConnections { return .open(number: countNewConnection()) }
        if let waiter { waiters.append(waiter) }
        return .full
    }

    mutating func release(_ connection: ConfinedConnection, maxConnections: Int) -> Release {
        guard connection.isBroken || isClosed else {
            if waiters.isEmpty {
                idle.append(connection)
                return .keep
            }
            return .handOver(waiters.removeFirst())
        }
        var closing = [connection]
        if connection.isBroken {
            // After one connection broke the idle ones are very likely broken too.
            closing += idle
            idle.removeAll()
        }
        openCount -= closing.count
        guard !waiters.isEmpty, !isClosed, openCount < maxConnections else {
            return .discard(closing, waiter: nil, number: nil)
        }
        return .discard(closing, waiter: waiters.removeFirst(), number: countNewConnection())
    }

    mutating func makeWaiterID() -> Int {
        nextWaiterID += 1
        return nextWaiterID
    }

    mutating func removeWaiter(_ id: Int) -> Waiter? {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return nil }
        return waiters.remove(at: index)
    }

    private mutating func countNewConnection() -> Int {
        openCount += 1
        nextConnectionNumber += 1
        return nextConnectionNumber
    }
}
