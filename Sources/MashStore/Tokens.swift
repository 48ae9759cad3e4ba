import Foundation
import MashDomain
import Postgres

/// Who a bearer token speaks for.
public enum Principal: Sendable, Equatable {
    case agency(id: String, kind: AgencyKind, disabled: Bool)
    case hub(id: String)

    /// The agency's or hub's id.
    public var id: String {
        switch self {
        case .agency(let id, _, _), .hub(let id): id
        }
    }
}

/// A token just issued: the only time its secret exists outside the caller's hands.
public struct IssuedToken: Sendable {
    public let id: String
    public let secret: String
    public let expiresAt: Date?
}

/// A token as listed: never its secret, which is stored only as a hash.
public struct TokenRecord: Sendable {
    public let id: String
    public let agencyID: String?
    public let hubID: String?
    public let createdAt: Date
    public let createdBy: String
    public let expiresAt: Date?
    public let revokedAt: Date?

    /// `live`, `expired` or `revoked`, as of `now`.
    public func state(at now: Date) -> String {
        if revokedAt != nil { return "revoked" }
        if let expiresAt, expiresAt <= now { return "expired" }
        return "live"
    }
}

extension Store {
    /// Issues a token for an agency or a hub: 256 random bits, of which only the
    /// SHA-256 is stored. The secret is returned once and cannot be recovered.
    public func issueToken(agencyID: String? = nil, hubID: String? = nil, expiresAt: Date? = nil) async throws -> IssuedToken {
        precondition((agencyID == nil) != (hubID == nil), "a token belongs to one agency or one hub")
        let secret = "mash_" + Self.randomBase64URL(bytes: 32)
        let id = "tok_" + Self.randomBase64URL(bytes: 9)
        try await run { connection in
            try connection.query("""
                INSERT INTO tokens (id, agency_id, hub_id, secret_hash, expires_at)
                VALUES ($1, $2, $3, sha256(convert_to($4, 'UTF8')), $5)
                """, [id, agencyID, hubID, secret, expiresAt])
        }
        return IssuedToken(id: id, secret: secret, expiresAt: expiresAt)
    }

    /// The principal a presented secret belongs to; nil when it is unknown,
    /// expired or revoked.
    public func authenticate(secret: String) async throws -> Principal? {
        try await run { connection in
            let rows = try connection.query("""
                SELECT t.agency_id, t.hub_id, a.kind, a.disabled_at IS NOT NULL AS disabled
                FROM tokens t LEFT JOIN agencies a ON a.id = t.agency_id
                WHERE t.secret_hash = sha256(convert_to($1, 'UTF8'))
                  AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())
                """, [secret])
            guard let row = rows.first else { return nil }
            if let hub = try row.decode(String.self, "hub_id") { return .hub(id: hub) }
            guard let kind = AgencyKind(rawValue: try row.require(String.self, "kind")) else { return nil }
            return .agency(id: try row.require(String.self, "agency_id"), kind: kind, disabled: try row.require(Bool.self, "disabled"))
        }
    }

    public func tokens() async throws -> [TokenRecord] {
        try await run { connection in
            try connection.query("SELECT * FROM tokens ORDER BY created_at, id").map { row in
                TokenRecord(
                    id: try row.require(String.self, "id"),
                    agencyID: try row.decode(String.self, "agency_id"),
                    hubID: try row.decode(String.self, "hub_id"),
                    createdAt: try row.require(Date.self, "created_at"),
                    createdBy: try row.require(String.self, "created_by"),
                    expiresAt: try row.decode(Date.self, "expires_at"),
                    revokedAt: try row.decode(Date.self, "revoked_at")
                )
            }
        }
    }

    /// Revokes a token at once. Revoking twice keeps the first time.
    public func revokeToken(id: String) async throws {
        try await run { connection in
            let rows = try connection.query("UPDATE tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1", [id])
            guard rows.affectedRows == 1 else { throw StoreError(.notFound, "no token \(id)") }
        }
    }

    /// URL-safe base64 of `bytes` bytes from the system's cryptographic generator.
    static func randomBase64URL(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
