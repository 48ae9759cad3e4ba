/// How to reach PostgreSQL and how each new session is set up.
public struct PostgresConfiguration: Sendable {
    /// A libpq connection string or URI. `nil` leaves everything to libpq's own
    /// defaults: `PG*` environment variables, the service file and `.pgpass`.
    public var connectionString: String?
    /// Reported in `pg_stat_activity` unless the connection string names one.
    public var applicationName: String
    /// Seconds libpq waits for a server to answer a connection attempt, unless the
    /// connection string says otherwise.
    public var connectTimeoutSeconds: Int
    /// Run-time settings applied to every new session with `set_config`, e.g.
    /// `statement_timeout` or `synchronous_commit`.
    public var sessionSettings: [(name: String, value: String)]

    public init(
        connectionString: String?,
        applicationName: String = "mash-broker",
        connectTimeoutSeconds: Int = 5,
        sessionSettings: [(name: String, value: String)] = []
    ) {
        self.connectionString = connectionString
        self.applicationName = applicationName
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.sessionSettings = sessionSettings
    }
}
