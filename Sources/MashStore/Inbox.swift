import Foundation
import MashDomain
import MashTriage
import Postgres

/// A referral as a coordinator lists it: who sent it, when, where it stands, and
/// how it was triaged.
public struct ReferralSummary: Sendable, Equatable {
    public let id: UUID
    public let reference: String
    public let agencyID: String
    public let receivedAt: Date
    public let status: String
    /// Nil only for referrals stored before triage existed.
    public let triage: StandingTriage?

    static let columns = """
        id, reference, agency_id, received_at, status, level, rag, hub_id, deadline,
        flags::text AS flags, triage_rule, triage_modifiers::text AS triage_modifiers, threshold_version
        """

    init(row: PostgresRow) throws {
        id = try row.require(UUID.self, "id")
        reference = try row.require(String.self, "reference")
        agencyID = try row.require(String.self, "agency_id")
        receivedAt = try row.require(Date.self, "received_at")
        status = try row.require(String.self, "status")
        guard let level = try row.decode(Int.self, "level") else {
            triage = nil
            return
        }
        let names = { (column: String) in
            try JSONDecoder().decode([String].self, from: Data(try row.require(String.self, column).utf8))
        }
        let rag = try row.require(String.self, "rag")
        guard let ragValue = RAG(rawValue: rag) else { throw StoreError(.invalid, "referral \(id) has an unknown RAG \(rag)") }
        triage = StandingTriage(
            level: level, rag: ragValue, hub: try row.require(String.self, "hub_id"),
            deadline: try row.require(Date.self, "deadline"), flags: try names("flags"),
            rule: try row.require(String.self, "triage_rule"), modifiers: try names("triage_modifiers"),
            thresholdVersion: try row.require(Int.self, "threshold_version")
        )
    }
}

extension Store {
    /// A hub's open referrals (not yet decided or closed), or every hub's when
    /// `hub` is nil, in priority order: escalated by the deadline watch first, then
    /// red, amber, green, then the earliest deadline, then the oldest. Only those of
    /// one `rag`, if given; only the overdue, if `overdueAt` is given: past their
    /// deadline then, or past their hub's delivery window (undelivered).
    public func inbox(hub: String?, rag: String? = nil, overdueAt: Date? = nil, limit: Int = 100) async throws -> [ReferralSummary] {
        try await run { connection in
            try connection.query("""
                SELECT \(ReferralSummary.columns) FROM referrals
                WHERE ($1::text IS NULL OR hub_id = $1) AND status = ANY($2::text[]) AND ($3::text IS NULL OR rag = $3)
                  AND ($4::timestamptz IS NULL OR deadline < $4 OR status = 'undelivered')
                ORDER BY escalated_at IS NULL, rag_rank, deadline, received_at
                LIMIT $5
                """, [hub, PostgresArray(Self.openStatuses), rag, overdueAt, limit]
            ).map(ReferralSummary.init(row:))
        }
    }
}
