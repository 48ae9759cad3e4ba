/// An error from the PostgreSQL layer, with a code saying what kind of failure it is
/// and, for server errors, the SQLSTATE PostgreSQL reported.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, at the level a caller acts on.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: String { case connectionFailed, connectionLost, server, poolTimeout, closed, decoding }
        fileprivate let base: Base
        /// No connection could be opened (server down, refused, bad credentials).
        public static let connectionFailed = Code(base: .connectionFailed)
        /// An open connection broke while in use.
        public static let connectionLost = Code(base: .connectionLost)
        /// The server reported an error; see `sqlState`.
        public static let server = Code(base: .server)
        /// Every pooled connection stayed busy for longer than the pool's lease timeout.
        public static let poolTimeout = Code(base: .poolTimeout)
        /// The pool or connection has been shut down.
        public static let closed = Code(base: .closed)
        /// A result value could not be read as the requested Swift type.
        public static let decoding = Code(base: .decoding)
        public var description: String { base.rawValue }
    }

    public let code: Code
    /// The server's primary message, or the client library's.
    public let message: String
    /// The five-character SQLSTATE for `.server` errors, e.g. `23505`.
    public let sqlState: String?
    /// The server's detail field, where it sent one.
    public let detail: String?
    /// The constraint the error is about, where the server named one.
    public let constraint: String?

    public init(code: Code, message: String, sqlState: String? = nil, detail: String? = nil, constraint: String? = nil) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.constraint = constraint
    }

    /// True when the database could not be reached or stopped serving: the caller
    /// should answer "try again later" rather than report a fault in its input.
    public var isUnavailable: Bool {
        switch code {
        case .connectionFailed, .connectionLost, .poolTimeout, .closed: return true
        default:
            guard let state = sqlState else { return false }
            // 08: connection exception; 57P01-03: admin shutdown, crash shutdown,
            // cannot connect now; 53300: too many connections.
            return state.hasPrefix("08") || ["57P01", "57P02", "57P03", "53300"].contains(state)
        }
    }

    /// A unique constraint was violated (SQLSTATE 23505).
    public var isUniqueViolation: Bool { sqlState == "23505" }
    /// The statement was cancelled by `statement_timeout` or a cancel request (57014).
    public var isQueryCanceled: Bool { sqlState == "57014" }

    public var description: String {
        var text = "\(code): \(message)"
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        return text
    }
}
