import Foundation
import Postgres

/// Applies the schema's forward-only migrations (`sql/NNNN_name.sql`), each in its
/// own transaction and recorded in `mash_schema_migrations`, so re-running is a
/// no-op. Refuses a database that a newer build has migrated.
public struct Migrator: Sendable {
    public struct Migration: Sendable {
        public let version: Int
        public let name: String
        public let script: String
    }

    public let migrations: [Migration]

    /// The schema version this build expects: its newest migration.
    public var latestVersion: Int { migrations.last?.version ?? 0 }

    /// The migrations built into this binary (generated from `sql/` by
    /// `scripts/embed-migrations`; a test fails if the two differ).
    public init() {
        migrations = EmbeddedMigrations.all.map { Migration(version: $0.version, name: $0.name, script: $0.script) }
    }

    /// The migrations in a directory of `NNNN_name.sql` files.
    public init(directory: URL) throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".sql") }
        migrations = try files.map { file in
            guard let version = Int(file.prefix(while: \.isNumber)) else {
                throw StoreError(.schemaMismatch, "migration \(file) does not start with its version number")
            }
            let script = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            return Migration(version: version, name: String(file.dropLast(4)), script: script)
        }.sorted { $0.version < $1.version }
        guard Set(migrations.map(\.version)).count == migrations.count else {
            throw StoreError(.schemaMismatch, "two migrations share a version number")
        }
    }

    /// Applies what is missing and returns the versions applied now.
    public func migrate(_ pool: ConnectionPool) async throws -> [Int] {
        try await pool.withConnection { [migrations, latestVersion] connection in
            try connection.query("""
                CREATE TABLE IF NOT EXISTS mash_schema_migrations (
                    version    integer PRIMARY KEY,
                    name       text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now(),
                    applied_by text NOT NULL DEFAULT current_user)
                """)
            var applied: [Int] = []
            for migration in migrations {
                let done = try connection.transaction {
                    // One migrator at a time, whichever program runs it.
                    try connection.query("SELECT pg_advisory_xact_lock(hashtext('mash_schema_migrations'))")
                    let current = try Self.appliedVersion(connection)
                    guard current <= latestVersion else { throw StoreError.schemaTooNew(current, latestVersion) }
                    guard migration.version > current else { return false }
                    try connection.execute(script: migration.script)
                    try connection.query("INSERT INTO mash_schema_migrations (version, name) VALUES ($1, $2)", [migration.version, migration.name])
                    return true
                }
                if done { applied.append(migration.version) }
            }
            return applied
        }
    }

    /// The version the database is at (0 for an empty one).
    public func appliedVersion(_ pool: ConnectionPool) async throws -> Int {
        try await pool.withConnection { try Self.appliedVersion($0) }
    }

    /// Throws unless the database is at exactly this build's version.
    public func requireCurrent(_ pool: ConnectionPool) async throws {
        let current = try await appliedVersion(pool)
        if current > latestVersion { throw StoreError.schemaTooNew(current, latestVersion) }
        if current < latestVersion {
            throw StoreError(.schemaMismatch, "the database schema is at version \(current) but this build needs \(latestVersion): run `mashctl migrate`")
        }
    }

    static func appliedVersion(_ connection: PostgresConnection) throws -> Int {
        let exists = try connection.query("SELECT to_regclass('mash_schema_migrations') IS NOT NULL AS present")
        guard try exists[0].require(Bool.self, "present") else { return 0 }
        return try connection.query("SELECT coalesce(max(version), 0)::int AS version FROM mash_schema_migrations")[0].require(Int.self, "version")
    }
}
