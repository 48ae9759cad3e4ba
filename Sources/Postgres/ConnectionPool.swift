/// A bounded pool of PostgreSQL connections, each confined to its own thread.
///
/// Connections open on demand up to `maxConnections`. A connection that breaks is
/// discarded along with every idle one (after a server restart they are all dead),
/// and the next request opens fresh ones: the pool recovers by itself as soon as
/// the server is back. Requests that find every connection busy wait up to
/// `leaseTimeout`, then fail with `.poolTimeout`.
public actor ConnectionPool {
    public let configuration: PostgresConfiguration
    public let maxConnections: Int
    public let leaseTimeout: Duration

    private var idle: [ConfinedConnection] = []
    /// Idle, leased and opening connections.
    private var openCount = 0
    private var waiters: [(id: Int, continuation: CheckedContinuation<ConfinedConnection, any Error>)] = []
    private var nextWaiterID = 0
    private var nextConnectionNumber = 0
    private var isClosed = false

    public init(configuration: PostgresConfiguration, maxConnections: Int = 16, leaseTimeout: Duration = .seconds(5)) {
        precondition(maxConnections > 0, "a pool needs at least one connection")
        self.configuration = configuration
        self.maxConnections = maxConnections
        self.leaseTimeout = leaseTimeout
    }

    /// Runs `body` with a pooled connection, on that connection's own thread.
    /// Everything `body` does is synchronous, so a transaction inside it costs one
    /// hop to the connection's thread, not one per statement.
    public nonisolated func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        let connection = try await lease()
        do {
            let value = try await connection.run(body)
            await release(connection)
            return value
        } catch {
            await release(connection)
            throw error
        }
    }

    /// Connections open now, and how many of them are idle.
    public var usage: (open: Int, idle: Int, waiting: Int) { (openCount, idle.count, waiters.count) }

    /// Closes idle connections, fails waiting requests and refuses new ones.
    /// Leased connections close when they are returned.
    public func close() {
        isClosed = true
        idle.forEach { $0.close() }
        openCount -= idle.count
        idle.removeAll()
        let pending = waiters
        waiters.removeAll()
        pending.forEach { $0.continuation.resume(throwing: Self.closedError) }
    }

    // MARK: Leasing

    private func lease() async throws -> ConfinedConnection {
        guard !isClosed else { throw Self.closedError }
        if let connection = idle.popLast() { return connection }
        if openCount < maxConnections { return try await openConnection() }
        let id = nextWaiterID
        nextWaiterID += 1
        let timeout = leaseTimeout
        let timer = Task { [weak self] in
            try await Task.sleep(for: timeout)
            await self?.failWaiter(id, PostgresError(code: .poolTimeout, message: "no database connection became free within \(timeout)"))
        }
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                waiters.append((id, continuation))
            }
        } onCancel: {
            Task { await self.failWaiter(id, CancellationError()) }
        }
    }

    private func openConnection() async throws -> ConfinedConnection {
        openCount += 1
        nextConnectionNumber += 1
        do {
            return try await ConfinedConnection.open(configuration, name: "postgres-\(nextConnectionNumber)")
        } catch {
            openCount -= 1
            throw error
        }
    }

    private func release(_ connection: ConfinedConnection) {
        if connection.isBroken || isClosed {
            connection.close()
            openCount -= 1
            if connection.isBroken { discardIdle() }
            serveWaiterWithNewConnection()
        } else if !waiters.isEmpty {
            waiters.removeFirst().continuation.resume(returning: connection)
        } else {
            idle.append(connection)
        }
    }

    /// After one connection broke the idle ones are very likely broken too.
    private func discardIdle() {
        idle.forEach { $0.close() }
        openCount -= idle.count
        idle.removeAll()
    }

    private func serveWaiterWithNewConnection() {
        guard !waiters.isEmpty, openCount < maxConnections, !isClosed else { return }
        let waiter = waiters.removeFirst()
        Task {
            do {
                waiter.continuation.resume(returning: try await openConnection())
            } catch {
                waiter.continuation.resume(throwing: error)
            }
        }
    }

    private func failWaiter(_ id: Int, _ error: any Error) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(throwing: error)
    }

    private static let closedError = PostgresError(code: .closed, message: "the connection pool has been closed")
}
