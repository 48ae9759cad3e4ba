import Foundation
import MashDomain
import Postgres

/// A partner agency that sends referrals.
public struct Agency: Sendable, Equatable {
    public let id: String
    public let name: String
    public let kind: AgencyKind
    public let createdAt: Date
    public let disabledAt: Date?

    init(row: PostgresRow) throws {
        id = try row.require(String.self, "id")
        name = try row.require(String.self, "name")
        let kindName = try row.require(String.self, "kind")
        guard let kind = AgencyKind(rawValue: kindName) else {
            throw StoreError(.invalid, "agency \(id) has an unknown kind \(kindName)")
        }
        self.kind = kind
        createdAt = try row.require(Date.self, "created_at")
        disabledAt = try row.decode(Date.self, "disabled_at")
    }
}

extension Store {
    public func addAgency(id: String, name: String, kind: AgencyKind) async throws -> Agency {
        try await run { connection in
            try Agency(row: connection.query(
                "INSERT INTO agencies (id, name, kind) VALUES ($1, $2, $3) RETURNING *", [id, name, kind.rawValue]
            )[0])
        }
    }

    public func agencies() async throws -> [Agency] {
        try await run { try $0.query("SELECT * FROM agencies ORDER BY id").map(Agency.init(row:)) }
    }

    /// Stops an agency's tokens from being accepted; its referrals are kept.
    public func disableAgency(id: String) async throws -> Agency {
        try await run { connection in
            let rows = try connection.query(
                "UPDATE agencies SET disabled_at = coalesce(disabled_at, now()) WHERE id = $1 RETURNING *", [id]
            )
            guard let row = rows.first else { throw StoreError(.notFound, "no agency \(id)") }
            return try Agency(row: row)
        }
    }
}
