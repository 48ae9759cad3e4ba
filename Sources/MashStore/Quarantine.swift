import Foundation
import MashDomain
import Postgres

/// A submission refused at intake, kept so the MASH can chase its sender.
public struct QuarantinedSubmission: Sendable {
    public let id: Int
    public let agencyID: String
    public let receivedAt: Date
    public let contentType: String?
    public let httpStatus: Int
    public let problems: [DocumentProblem]
    /// The raw body exactly as received; only `quarantineEntry(id:)` fills it.
    public let body: [UInt8]?
    public let bodySize: Int
}

extension Store {
    /// Keeps a refused submission: raw body, every problem found, agency and time.
    public func quarantine(agencyID: String, contentType: String?, body: [UInt8], httpStatus: Int, problems: [DocumentProblem]) async throws {
        let problemsJSON = try Store.json(problems)
        try await run { connection in
            try connection.query("""
                INSERT INTO quarantine (agency_id, content_type, body, http_status, problems)
                VALUES ($1, $2, $3, $4, $5::jsonb)
                """, [agencyID, contentType, ByteA(body), httpStatus, problemsJSON])
        }
    }

    /// The newest quarantined submissions first, without their bodies.
    public func quarantineEntries(limit: Int = 100) async throws -> [QuarantinedSubmission] {
        try await run { connection in
            try connection.query("""
                SELECT id, agency_id, received_at, content_type, http_status, problems::text AS problems,
                       NULL::bytea AS body, length(body) AS body_size
                FROM quarantine ORDER BY received_at DESC, id DESC LIMIT $1
                """, [limit]).map(QuarantinedSubmission.init(row:))
        }
    }

    public func quarantineEntry(id: Int) async throws -> QuarantinedSubmission {
        try await run { connection in
            let rows = try connection.query("""
                SELECT id, agency_id, received_at, content_type, http_status, problems::text AS problems,
                       body, length(body) AS body_size
                FROM quarantine WHERE id = $1
                """, [id])
            guard let row = rows.first else { throw StoreError(.notFound, "no quarantined submission \(id)") }
            return try QuarantinedSubmission(row: row)
        }
    }
}

extension QuarantinedSubmission {
    init(row: PostgresRow) throws {
        id = try row.require(Int.self, "id")
        agencyID = try row.require(String.self, "agency_id")
        receivedAt = try row.require(Date.self, "received_at")
        contentType = try row.decode(String.self, "content_type")
        httpStatus = try row.require(Int.self, "http_status")
        problems = try JSONDecoder().decode([DocumentProblem].self, from: Data(try row.require(String.self, "problems").utf8))
        body = try row.decode(ByteA.self, "body")?.bytes
        bodySize = try row.require(Int.self, "body_size")
    }
}
