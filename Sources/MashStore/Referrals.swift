import Foundation
import MashDomain
import Postgres

/// What the referring agency is told when its referral is accepted (and again,
/// unchanged, when it retries the same reference with the same document).
public struct Acknowledgement: Sendable, Equatable, Codable {
    public let id: UUID
    public let reference: String
    public let receivedAt: Date
    public let status: String
    public let warnings: [DocumentProblem]
}

/// The outcome of offering a referral for intake.
public enum IntakeOutcome: Sendable, Equatable {
    /// Stored now, durably committed.
    case created(Acknowledgement)
    /// Stored before under this reference with the same document: nothing new stored.
    case replayed(Acknowledgement)
    /// Stored before under this reference with a different document: refused.
    case referenceReused
}

/// A referral as its agency may see it.
public struct ReferralStatusView: Sendable, Equatable {
    public let id: UUID
    public let reference: String
    public let receivedAt: Date
    public let status: String
}

extension Store {
    /// The status a referral has when intake stores it: `received`, as no triage
    /// or routing exists yet to move it on.
    public static let intakeStatus = "received"

    /// Stores a validated referral unless the agency sent this reference before.
    ///
    /// One statement, so one round trip and one commit: the unique (agency,
    /// reference) index makes a concurrent duplicate wait for the first and then
    /// find its row, so two can never both be stored. Documents are compared as
    /// jsonb, so key order and white space do not make a retry "different".
    public func accept(agencyID: String, reference: String, document: String, warnings: [DocumentProblem]) async throws -> IntakeOutcome {
        let warningsJSON = String(decoding: try JSONEncoder().encode(warnings), as: UTF8.self)
        return try await run { connection in
            let inserted = try connection.query("""
                INSERT INTO referrals (agency_id, reference, document, warnings, status)
                VALUES ($1, $2, $3::jsonb, $4::jsonb, $5)
                ON CONFLICT (agency_id, reference) DO NOTHING
                RETURNING id, received_at
                """, [agencyID, reference, document, warningsJSON, Self.intakeStatus])
            if let row = inserted.first {
                return .created(Acknowledgement(
                    id: try row.require(UUID.self, "id"), reference: reference,
                    receivedAt: try row.require(Date.self, "received_at"), status: Self.intakeStatus, warnings: warnings
                ))
            }
            let existing = try connection.query("""
                SELECT id, received_at, warnings::text AS warnings, document = $3::jsonb AS same
                FROM referrals WHERE agency_id = $1 AND reference = $2
                """, [agencyID, reference, document])
            guard let row = existing.first else {
                throw StoreError(.notFound, "the referral holding this reference disappeared during intake")
            }
            guard try row.require(Bool.self, "same") else { return .referenceReused }
            let storedWarnings = try JSONDecoder().decode([DocumentProblem].self, from: Data(try row.require(String.self, "warnings").utf8))
            return .replayed(Acknowledgement(
                id: try row.require(UUID.self, "id"), reference: reference,
                receivedAt: try row.require(Date.self, "received_at"), status: Self.intakeStatus, warnings: storedWarnings
            ))
        }
    }

    /// A referral, only if it belongs to `agencyID`.
    public func referral(id: UUID, agencyID: String) async throws -> ReferralStatusView? {
        try await run { connection in
            let rows = try connection.query(
                "SELECT id, reference, received_at, status FROM referrals WHERE id = $1 AND agency_id = $2", [id, agencyID]
            )
            return try rows.first.map { row in
                ReferralStatusView(
                    id: try row.require(UUID.self, "id"), reference: try row.require(String.self, "reference"),
                    receivedAt: try row.require(Date.self, "received_at"), status: try row.require(String.self, "status")
                )
            }
        }
    }
}
