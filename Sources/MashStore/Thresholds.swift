import Foundation
import MashTriage
import Postgres

/// One applied version of the threshold document.
public struct ThresholdVersion: Sendable, Equatable {
    public let version: Int
    public let name: String
    /// The YAML exactly as applied.
    public let document: String
    public let appliedAt: Date
    /// The database user who applied it.
    public let appliedBy: String
}

extension Store {
    /// The channel on which a newly applied version is announced (payload: its number).
    public static let thresholdsChannel = "mash_thresholds"

    /// Stores a checked document (`text`, parsed as `document`) as the next version
    /// and tells every daemon, in one transaction: the notification goes out only
    /// if the version is stored. Refused if the document routes to a hub that does
    /// not exist: intake relies on every hub it routes to being in `hubs`.
    public func applyThresholds(_ document: ThresholdDocument, text: String) async throws -> ThresholdVersion {
        try await run { connection in
            try connection.transaction {
                let missing = try connection.query(
                    "SELECT hub FROM unnest($1::text[]) AS hub WHERE NOT EXISTS (SELECT FROM hubs WHERE id = hub) ORDER BY hub",
                    [PostgresArray(document.hubs.sorted())]
                ).map { try $0.require(String.self, "hub") }
                guard missing.isEmpty else {
                    throw StoreError(.invalid, "the document routes to hubs that do not exist: \(missing.joined(separator: ", "))")
                }
                let row = try connection.query(
                    "INSERT INTO threshold_versions (name, document) VALUES ($1, $2) RETURNING *", [document.name, text]
                )[0]
                let applied = try Self.thresholdVersion(row)
                try connection.query("SELECT pg_notify($1, $2)", [Self.thresholdsChannel, String(applied.version)])
                return applied
            }
        }
    }

    /// The latest version, or the one numbered `version`; nil if there is none.
    public func thresholds(version: Int? = nil) async throws -> ThresholdVersion? {
        try await run { connection in
            let rows = if let version {
                try connection.query("SELECT * FROM threshold_versions WHERE version = $1", [version])
            } else {
                try connection.query("SELECT * FROM threshold_versions ORDER BY version DESC LIMIT 1")
            }
            return try rows.first.map(Self.thresholdVersion)
        }
    }

    private static func thresholdVersion(_ row: PostgresRow) throws -> ThresholdVersion {
        ThresholdVersion(
            version: try row.require(Int.self, "version"), name: try row.require(String.self, "name"),
            document: try row.require(String.self, "document"), appliedAt: try row.require(Date.self, "applied_at"),
            appliedBy: try row.require(String.self, "applied_by")
        )
    }
}
