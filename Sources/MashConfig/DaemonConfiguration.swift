/// Everything `mashd` is configured with (CONTRACT §6), with its defaults.
/// `config/mashd.yaml` documents each setting; `Setting.all` says how each is
/// named in the file, the environment and on the command line.
public struct DaemonConfiguration: Sendable, Equatable {
    /// A libpq connection string or URI; nil leaves libpq's `PG*` defaults to apply.
    public var databaseURL: String?
    public var host = "127.0.0.1"
    /// 0 picks a free port.
    public var port = 8080
    /// Database connections in the pool.
    public var poolSize = 16
    /// Batches of referrals written at once, each on its own pooled connection.
    public var batchWriters = 1
    public var logFormat = LogFormat.text
    public var logLevel = LogLevel.info
    /// How long SIGTERM waits for in-flight requests before the daemon exits.
    public var gracePeriod: Duration = .seconds(30)
    public var tls = TLS()
    public var limits = Limits()
    /// How long each kind of record is kept (the `retention:` section).
    public var retention = RetentionPolicy()

    public init() {}

    public enum LogFormat: String, Sendable, CaseIterable {
        /// One line per event: time, level, label, message, `key=value` metadata.
        case text
        /// One JSON object per line, for log collectors.
        case json
    }

    /// swift-log's levels, by their names.
    public enum LogLevel: String, Sendable, CaseIterable {
        case trace, debug, info, notice, warning, error, critical
    }

    /// HTTPS: the server's certificate chain and key (PEM files), and optionally
    /// the CA that client certificates must chain to (mutual TLS).
    public struct TLS: Sendable, Equatable {
        public var certificate: String?
        public var key: String?
        public var clientCA: String?

        /// True when the API is served over HTTPS.
        public var isEnabled: Bool { certificate != nil }
    }

    /// What protects the daemon from a client that sends too much, too fast or too slowly.
    public struct Limits: Sendable, Equatable {
        /// The largest request body accepted (413 beyond it).
        public var bodyBytes = 1 << 20
        /// Open HTTP connections; more wait in the listen backlog.
        public var connections = 1024
        /// Requests an agency may make per minute across all its tokens (429 beyond).
        public var agencyRequestsPerMinute = 600
        /// How long a connection may take to send a request's headers, counted from
        /// when it opened or its previous response ended; then it is closed.
        public var headerTimeout: Duration = .seconds(10)
        /// How long a request may take to send its body once its headers are in.
        public var bodyTimeout: Duration = .seconds(20)
    }
}

extension DaemonConfiguration {
    /// Every setting as `key: value`, the database password hidden, for
    /// `--check-config` and the start-up log.
    public var summary: String {
        var lines = Setting.all.map { "\($0.key): \($0.describe(self) ?? "(not set)")" }
        lines += RetentionPolicy.RecordType.allCases.map { "retention.\($0.rawValue): \(retention.periods[$0].map { "\($0)" } ?? "")" }
        return lines.joined(separator: "\n")
    }

    /// The keys whose values differ between two configurations.
    public func changedKeys(from other: DaemonConfiguration) -> [String] {
        Setting.all.filter { $0.describe(self) != $0.describe(other) }.map(\.key)
            + (retention == other.retention ? [] : ["retention"])
    }
}
