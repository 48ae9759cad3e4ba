import Foundation
import MashDomain
import Postgres

/// A referral kept whatever the retention policy says, until the hold is released.
public struct LegalHold: Sendable {
    public let referralID: UUID
    public let reason: String
    public let heldAt: Date
    /// The database user that placed it.
    public let heldBy: String

    init(row: PostgresRow) throws {
        referralID = try row.require(UUID.self, "referral_id")
        reason = try row.require(String.self, "reason")
        heldAt = try row.require(Date.self, "held_at")
        heldBy = try row.require(String.self, "held_by")
    }

    static let columns = "referral_id, reason, held_at, held_by"
}

/// How referrals were named for a hold or a release: one by id, or every referral
/// naming a child. Kept in the audit entry's detail (never the child's identifiers).
public enum LegalHoldScope: String, Sendable {
    case referral, child
}

extension Store {
    /// Places a legal hold with `reason` on each of `referrals` not held already, in
    /// one transaction with a `hold` audit entry for each. Returns the hold of every
    /// one of them that exists, oldest first, saying whether it was placed now (a
    /// referral held before keeps its hold and reason); ids of no referral (never
    /// received, or purged) are left out.
    public func placeLegalHolds(on referrals: [UUID], reason: String, scope: LegalHoldScope) async throws -> [(hold: LegalHold, placed: Bool)] {
        try await run { connection in
            try connection.transaction {
                // The second branch reads the statement's snapshot: the holds from before this one.
                let holds = try connection.query("""
                    WITH wanted AS (SELECT id FROM referrals WHERE id = ANY($1::uuid[])),
                         placed AS (INSERT INTO legal_holds (referral_id, reason) SELECT id, $2 FROM wanted
                                    ON CONFLICT (referral_id) DO NOTHING RETURNING \(LegalHold.columns))
                    SELECT \(LegalHold.columns), true AS placed FROM placed
                    UNION ALL
                    SELECT \(LegalHold.columns), false FROM legal_holds WHERE referral_id IN (SELECT id FROM wanted)
                    ORDER BY held_at, referral_id
                    """, [PostgresArray(referrals.map { $0.uuidString }), reason]
                ).map { (hold: try LegalHold(row: $0), placed: try $0.require(Bool.self, "placed")) }
                try Self.appendAudit(holds.filter(\.placed).map {
                    AuditEvent(.hold, referral: $0.hold.referralID, reason: reason, detail: ["scope": scope.rawValue])
                }, on: connection)
                return holds
            }
        }
    }

    /// Releases the legal hold on each of `referrals` that has one, in one transaction
    /// with a `release` audit entry for each, and returns the holds released: the
    /// next retention run deletes those already due.
    public func releaseLegalHolds(on referrals: [UUID], reason: String, scope: LegalHoldScope) async throws -> [LegalHold] {
        try await run { connection in
            try connection.transaction {
                let released = try connection.query("""
                    DELETE FROM legal_holds WHERE referral_id = ANY($1::uuid[]) RETURNING \(LegalHold.columns)
                    """, [PostgresArray(referrals.map { $0.uuidString })]
                ).map(LegalHold.init(row:)).sorted { ($0.heldAt, $0.referralID.uuidString) < ($1.heldAt, $1.referralID.uuidString) }
                try Self.appendAudit(released.map {
                    AuditEvent(.release, referral: $0.referralID, reason: reason, detail: [
                        "scope": scope.rawValue, "heldAt": RFC3339.format($0.heldAt), "heldBy": $0.heldBy,
                    ])
                }, on: connection)
                return released
            }
        }
    }

    /// Every legal hold in force, oldest first.
    public func legalHolds() async throws -> [LegalHold] {
        try await run { connection in
            try connection.query("SELECT \(LegalHold.columns) FROM legal_holds ORDER BY held_at, referral_id").map(LegalHold.init(row:))
        }
    }
}
