import CLibPQ
import Foundation

/// One libpq connection.
///
/// Not `Sendable`: a `PGconn` must not be used from two threads at once. Code gets a
/// connection only inside `ConnectionPool.withConnection` (or a listener), whose body
/// runs on the connection's own thread.
public final class PostgresConnection {
    private let raw: OpaquePointer
    let cancelToken: PostgresCancelToken
    /// Statements prepared on this session, by name (see `query(prepared:)`).
    private var preparedStatements: Set<String> = []

    /// Opens a connection and applies the configuration's session settings. Blocks.
    init(configuration: PostgresConfiguration) throws {
        var keywords = ["fallback_application_name", "connect_timeout"]
        var values = [configuration.applicationName, String(configuration.connectTimeoutSeconds)]
        if let connectionString = configuration.connectionString, !connectionString.isEmpty {
            // Last, so that whatever the operator's string says wins.
            keywords.append("dbname")
            values.append(connectionString)
        }
        let connection = withCStringArray(keywords) { keywordPointers in
            withCStringArray(values) { valuePointers in
                PQconnectdbParams(keywordPointers, valuePointers, 1)
            }
        }
        guard let connection else {
            throw PostgresError(code: .connectionFailed, message: "libpq could not allocate a connection")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = Self.clientMessage(connection)
            PQfinish(connection)
            throw PostgresError(code: .connectionFailed, message: message)
        }
        self.raw = connection
        self.cancelToken = PostgresCancelToken(connection: connection)
        if !configuration.sessionSettings.isEmpty {
            let calls = configuration.sessionSettings.indices
                .map { "set_config($\($0 * 2 + 1), $\($0 * 2 + 2), false)" }
                .joined(separator: ", ")
            try query("SELECT \(calls)", configuration.sessionSettings.flatMap { [$0.name, $0.value] })
        }
    }

    deinit {
        cancelToken.invalidate()
        PQfinish(raw)
    }

    /// The name of the thread running the caller: a connection's own thread is
    /// named `postgres-N` (or `postgres-listener`).
    public static var currentThreadName: String { ConfinementThread.currentName }

    /// True once libpq has noticed the connection is no longer usable, or a
    /// statement failed without the server saying why (see `error(from:)`).
    public var isBroken: Bool { lost || PQstatus(raw) != CONNECTION_OK }
    /// Set when a failure showed the connection cannot be trusted though libpq's
    /// status has not caught up: the pool then discards it.
    private var lost = false

    /// Runs one statement with bound parameters (`$1`, `$2`, ...; `nil` is NULL) and
    /// returns its rows, read in binary format.
    @discardableResult
    public func query(_ sql: String, _ parameters: [(any PostgresEncodable)?] = []) throws -> PostgresRows {
        try withBound(parameters) { types, values, lengths, formats in
            PQexecParams(raw, sql, Int32(parameters.count), types, values, lengths, formats, 1)
        }
    }

    /// Runs a statement that is prepared on this connection the first time `name`
    /// is used, so that later runs skip parsing and, once the server settles on a
    /// generic plan, planning. A name must always come with the same SQL and the
    /// same parameter types; the SQL is only built when it is first prepared.
    @discardableResult
    public func query(prepared name: String, _ sql: @autoclosure () -> String, _ parameters: [(any PostgresEncodable)?]) throws -> PostgresRows {
        try withBound(parameters) { types, values, lengths, formats in
            if !preparedStatements.contains(name) {
                _ = try collect(PQprepare(raw, name, sql(), Int32(parameters.count), types))
                preparedStatements.insert(name)
            }
            return PQexecPrepared(raw, name, Int32(parameters.count), values, lengths, formats, 1)
        }
    }

    /// Encodes `parameters` for libpq, runs `execute` with them and collects its result.
    private func withBound(
        _ parameters: [(any PostgresEncodable)?],
        _ execute: (_ types: [UInt32], _ values: [UnsafePointer<CChar>?], _ lengths: [Int32], _ formats: [Int32]) throws -> OpaquePointer?
    ) throws -> PostgresRows {
        let encoded = parameters.map { $0?.postgresParameter }
        let types = encoded.map { $0?.typeOID ?? 0 }
        let formats = encoded.map { $0?.format.rawValue ?? 0 }
        let lengths = encoded.map { Int32($0?.bytes.count ?? 0) }
        // libpq reads the values during the call only; text values need a terminator.
        let buffers: [UnsafeMutablePointer<CChar>?] = encoded.map { parameter in
            guard let parameter else { return nil }
            let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: parameter.bytes.count + 1)
            parameter.bytes.withUnsafeBufferPointer { source in
                source.withMemoryRebound(to: CChar.self) { buffer.update(from: $0.baseAddress!, count: $0.count) }
            }
            buffer[parameter.bytes.count] = 0
            return buffer
        }
        defer { buffers.forEach { $0?.deallocate() } }
        let values = buffers.map { UnsafePointer($0) }
        return try collect(try execute(types, values, lengths, formats))
    }

    /// Runs a script of several statements through the simple query protocol. For
    /// migrations only: a script takes no parameters.
    public func execute(script: String) throws {
        // PQexec stops at the first failing statement and returns its error.
        _ = try collect(PQexec(raw, script))
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try query("BEGIN")
        do {
            let value = try body()
            // COMMIT of a failed transaction answers ROLLBACK without an error.
            guard PQtransactionStatus(raw) == PQTRANS_INTRANS else {
                throw PostgresError(code: .server, message: "the transaction failed and was rolled back")
            }
            try query("COMMIT")
            return value
        } catch {
            if !isBroken { _ = try? query("ROLLBACK") }
            throw error
        }
    }

    // MARK: LISTEN/NOTIFY

    /// Subscribes this session to `channel`. The name is quoted by libpq, as an
    /// identifier cannot be a bound parameter.
    public func listen(_ channel: String) throws {
        guard let quoted = PQescapeIdentifier(raw, channel, channel.utf8.count) else {
            throw PostgresError(code: .server, message: Self.clientMessage(raw))
        }
        defer { PQfreemem(quoted) }
        try query("LISTEN " + String(cString: quoted))
    }

    /// Waits up to `timeout` for the server to send something, then returns every
    /// notification that has arrived (possibly none).
    public func waitForNotifications(timeout: Duration) throws -> [PostgresNotification] {
        var pending = try drainNotifications()
        guard pending.isEmpty else { return pending }
        var descriptor = pollfd(fd: PQsocket(raw), events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        if poll(&descriptor, 1, milliseconds) > 0 {
            guard PQconsumeInput(raw) == 1 else {
                throw PostgresError(code: .connectionLost, message: Self.clientMessage(raw))
            }
            pending = try drainNotifications()
        }
        return pending
    }

    private func drainNotifications() throws -> [PostgresNotification] {
        var notifications: [PostgresNotification] = []
        while let notification = PQnotifies(raw) {
            notifications.append(PostgresNotification(
                channel: String(cString: notification.pointee.relname),
                payload: String(cString: notification.pointee.extra)
            ))
            PQfreemem(notification)
        }
        if isBroken { throw PostgresError(code: .connectionLost, message: Self.clientMessage(raw)) }
        return notifications
    }

    // MARK: Results

    private func collect(_ result: OpaquePointer?) throws -> PostgresRows {
        guard let result else {
            lost = true
            throw PostgresError(code: .connectionLost, message: Self.clientMessage(raw))
        }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK else {
            throw error(from: result)
        }
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        let columns = PostgresColumns(
            names: (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) },
            types: (0..<columnCount).map { PQftype(result, Int32($0)) }
        )
        var cells: [[[UInt8]?]] = []
        cells.reserveCapacity(rowCount)
        for row in 0..<Int32(rowCount) {
            cells.append((0..<Int32(columnCount)).map { column in
                guard PQgetisnull(result, row, column) == 0 else { return nil }
                let length = Int(PQgetlength(result, row, column))
                return PQgetvalue(result, row, column).withMemoryRebound(to: UInt8.self, capacity: length) {
                    Array(UnsafeBufferPointer(start: $0, count: length))
                }
            })
        }
        return PostgresRows(columns: columns, cells: cells, affectedRows: Int(String(cString: PQcmdTuples(result))) ?? 0)
    }

    private func error(from result: OpaquePointer) -> PostgresError {
        func field(_ code: Character) -> String? {
            guard let value = PQresultErrorField(result, Int32(code.asciiValue!)) else { return nil }
            return String(cString: value)
        }
        let sqlState = field("C")
        let message = field("M") ?? Self.clientMessage(raw)
        // Every error the server reports carries a SQLSTATE; one without came from
        // libpq itself, which means the conversation with the server failed (seen:
        // a server killed mid-statement, before libpq's status said so).
        if sqlState == nil {
            lost = true
            return PostgresError(code: .connectionLost, message: message)
        }
        return PostgresError(code: .server, message: message, sqlState: sqlState, detail: field("D"), constraint: field("n"))
    }

    static func clientMessage(_ connection: OpaquePointer) -> String {
        String(cString: PQerrorMessage(connection)).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// A notification received on a channel the session listens to.
public struct PostgresNotification: Sendable, Equatable {
    public let channel: String
    public let payload: String

    public init(channel: String, payload: String) {
        self.channel = channel
        self.payload = payload
    }
}

/// Asks the server to cancel whatever a connection is running. Safe to use from
/// any thread, which is its purpose: libpq's `PGcancel` exists for exactly this.
final class PostgresCancelToken: @unchecked Sendable {
    private let lock = NSLock()  // guards `cancel`, freed when the connection closes
    private var cancel: OpaquePointer?

    init(connection: OpaquePointer) { cancel = PQgetCancel(connection) }

    func cancelRunningQuery() {
        lock.lock()
        defer { lock.unlock() }
        guard let cancel else { return }
        var message = [CChar](repeating: 0, count: 256)
        _ = PQcancel(cancel, &message, Int32(message.count))
    }

    func invalidate() {
        lock.lock()
        defer { lock.unlock() }
        if let cancel { PQfreeCancel(cancel) }
        cancel = nil
    }
}

private func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let duplicates = strings.map { strdup($0) }
    defer { duplicates.forEach { free($0) } }
    let pointers: [UnsafePointer<CChar>?] = duplicates.map { UnsafePointer($0) } + [nil]
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
