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

/// A validated referral waiting to be stored.
struct ReferralSubmission: Sendable {
    let agencyID: String
    let reference: String
    /// The request body, exactly as sent.
    let document: String
    let warnings: [DocumentProblem]

    var key: ReferralKey { ReferralKey(agencyID: agencyID, reference: reference) }

    func warningsJSON() throws -> String {
        warnings.isEmpty ? "[]" : try Store.json(warnings)
    }
}

/// What makes a referral unique: its agency's reference.
struct ReferralKey: Hashable {
    let agencyID: String
    let reference: String
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

    /// Stores a validated referral unless the agency sent this reference before,
    /// and returns once it is durably committed.
    ///
    /// Concurrent referrals are written together (see `GroupCommit`): one multi-row
    /// INSERT, so one round trip and one commit for the whole batch. The unique
    /// (agency, reference) index makes a concurrent duplicate wait for the first and
    /// then find its row, so two can never both be stored. Documents are compared as
    /// jsonb, so key order and white space do not make a retry "different".
    public func accept(agencyID: String, reference: String, document: String, warnings: [DocumentProblem]) async throws -> IntakeOutcome {
        try await intake.submit(ReferralSubmission(agencyID: agencyID, reference: reference, document: document, warnings: warnings))
    }

    /// Writes a batch of referrals. When the statement fails for any reason but an
    /// unreachable database, each referral is retried alone, so one bad referral
    /// fails by itself and never takes its neighbours with it.
    static func storeReferrals(_ batch: [ReferralSubmission], in pool: ConnectionPool) async -> [Result<IntakeOutcome, any Error>] {
        do {
            return try await run(on: pool) { try insert(batch, on: $0) }.map { .success($0) }
        } catch let error as PostgresError where error.isUnavailable {
            return batch.map { _ in .failure(error) }
        } catch where batch.count > 1 {
            var results: [Result<IntakeOutcome, any Error>] = []
            for submission in batch {
                results += await storeReferrals([submission], in: pool)
            }
            return results
        } catch {
            return [.failure(error)]
        }
    }

    /// One INSERT for the whole batch; referrals whose reference was taken are then
    /// looked up one by one (a retry, or a reference reused), which is rare.
    private static func insert(_ batch: [ReferralSubmission], on connection: PostgresConnection) throws -> [IntakeOutcome] {
        // Rows go in (agency, reference) order, so that concurrent batches take their
        // unique-index entries in the same order and cannot deadlock; for a key sent
        // twice in one batch, the first in this order is the one stored.
        let order = batch.indices.sorted { (batch[$0].agencyID, batch[$0].reference) < (batch[$1].agencyID, batch[$1].reference) }
        var parameters: [(any PostgresEncodable)?] = [intakeStatus]
        var rows: [String] = []
        for index in order {
            let submission = batch[index]
            let next = parameters.count
            rows.append("($\(next + 1), $\(next + 2), $\(next + 3)::jsonb, $\(next + 4)::jsonb, $1)")
            parameters += [submission.agencyID, submission.reference, submission.document, try submission.warningsJSON()]
        }
        let inserted = try connection.query("""
            INSERT INTO referrals (agency_id, reference, document, warnings, status)
            VALUES \(rows.joined(separator: ", "))
            ON CONFLICT (agency_id, reference) DO NOTHING
            RETURNING agency_id, reference, id, received_at
            """, parameters)
        var created: [ReferralKey: (id: UUID, receivedAt: Date)] = [:]
        for row in inserted {
            let key = ReferralKey(agencyID: try row.require(String.self, "agency_id"), reference: try row.require(String.self, "reference"))
            created[key] = (try row.require(UUID.self, "id"), try row.require(Date.self, "received_at"))
        }
        var outcomes = [IntakeOutcome?](repeating: nil, count: batch.count)
        for index in order {
            let submission = batch[index]
            if let row = created.removeValue(forKey: submission.key) {
                outcomes[index] = .created(Acknowledgement(
                    id: row.id, reference: submission.reference, receivedAt: row.receivedAt, status: intakeStatus, warnings: submission.warnings
                ))
            } else {
                outcomes[index] = try earlier(submission, on: connection)
            }
        }
        return outcomes.map { $0! }
    }

    /// The outcome for a referral whose (agency, reference) is already stored.
    private static func earlier(_ submission: ReferralSubmission, on connection: PostgresConnection) throws -> IntakeOutcome {
        let existing = try connection.query("""
            SELECT id, received_at, warnings::text AS warnings, document = $3::jsonb AS same
            FROM referrals WHERE agency_id = $1 AND reference = $2
            """, [submission.agencyID, submission.reference, submission.document])
        guard let row = existing.first else {
            throw StoreError(.notFound, "the referral holding this reference disappeared during intake")
        }
        guard try row.require(Bool.self, "same") else { return .referenceReused }
        let storedWarnings = try JSONDecoder().decode([DocumentProblem].self, from: Data(try row.require(String.self, "warnings").utf8))
        return .replayed(Acknowledgement(
            id: try row.require(UUID.self, "id"), reference: submission.reference,
            receivedAt: try row.require(Date.self, "received_at"), status: intakeStatus, warnings: storedWarnings
        ))
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
