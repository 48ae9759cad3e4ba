import Foundation
import MashDomain
import Postgres

/// A referral with its document and its updates' (as stored: jsonb's key order
/// and spacing, updates oldest first) and the kind of agency that sent it.
public struct StoredReferral: Sendable {
    public let summary: ReferralSummary
    public let document: String
    public let updates: [String]
    public let agencyKind: AgencyKind
}

extension Store {
    /// A referral with its document as stored and its agency's kind, or nil if there
    /// is none: what `mashctl rules explain` triages again.
    public func storedReferral(id: UUID) async throws -> StoredReferral? {
        try await run { try Self.storedReferral(id: id, on: $0) }
    }

    static func storedReferral(id: UUID, on connection: PostgresConnection) throws -> StoredReferral? {
        try connection.query("""
            SELECT s.*, a.kind AS agency_kind
            FROM (SELECT \(ReferralSummary.columns), document::text AS document FROM referrals WHERE id = $1) s
            JOIN agencies a ON a.id = s.agency_id
            """, [id]
        ).first.map { row in
            let kind = try row.require(String.self, "agency_kind")
            guard let agencyKind = AgencyKind(rawValue: kind) else {
                throw StoreError(.invalid, "agency \(try row.require(String.self, "agency_id")) has an unknown kind \(kind)")
            }
            let updates = try connection.query(
                "SELECT document::text AS document FROM referral_updates WHERE referral_id = $1 ORDER BY received_at, id", [id]
            ).map { try $0.require(String.self, "document") }
            return StoredReferral(
                summary: try ReferralSummary(row: row), document: try row.require(String.self, "document"),
                updates: updates, agencyKind: agencyKind
            )
        }
    }
}
