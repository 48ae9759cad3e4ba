import Foundation
import MashDomain
import MashReport
import MashTriage
import Postgres

/// What a coordinator does at the desk (CONTRACT §5): claim, re-rate, re-route,
/// allocate and hand over referrals. Each change and its audit entry commit in
/// one transaction. `actor` nil means the database user.
extension Store {
    /// Claims the highest-priority referral waiting in `hub` for `worker` (default:
    /// the database user): it goes `in_review`, allocated to them, out of reach of
    /// hub systems and of other coordinators. Nil when nothing is waiting.
    public func claimNext(hub: String, worker: String?) async throws -> ReferralSummary? {
        try await run { connection in
            try connection.transaction {
                let claimed = try connection.query("""
                    UPDATE referrals SET status = 'in_review', assigned_to = coalesce($2, current_user), assigned_at = now()
                    WHERE id = (SELECT id FROM referrals WHERE hub_id = $1 AND status IN ('queued', 'undelivered')
                                ORDER BY rag_rank, deadline, received_at LIMIT 1 FOR UPDATE SKIP LOCKED)
                    RETURNING \(ReferralSummary.columns), assigned_to
                    """, [hub, worker]).first
                guard let claimed else { return nil }
                let summary = try ReferralSummary(row: claimed)
                try Self.appendAudit([AuditEvent(.claim, referral: summary.id, detail: [
                    "hub": hub, "worker": try claimed.require(String.self, "assigned_to"),
                ])], on: connection)
                return summary
            }
        }
    }

    /// Sets a referral's level and/or RAG, with a reason, and recomputes its deadline
    /// from its arrival under `engine`'s document. A person may lower urgency too;
    /// only automatic triage is bound to raising.
    public func rerate(referral id: UUID, level: Int?, rag: RAG?, reason: String, engine: TriageEngine) async throws -> ReferralSummary {
        try await run { connection in
            try connection.transaction {
                let current = try Self.lockOpenReferral(id, toBe: "re-rated", on: connection)
                let newLevel = level ?? current.triage.level, newRAG = rag ?? current.triage.rag
                let deadline = engine.deadline(for: newRAG, arrivedAt: current.summary.receivedAt)
                let updated = try ReferralSummary(row: connection.query("""
                    UPDATE referrals SET level = $2, rag = $3, \(Self.settingDeadline("$4::timestamptz"))
                    WHERE id = $1 RETURNING \(ReferralSummary.columns)
                    """, [id, newLevel, newRAG.rawValue, deadline])[0])
                try Self.appendAudit([AuditEvent(.rerate, referral: id, reason: reason, detail: [
                    "fromLevel": String(current.triage.level), "toLevel": String(newLevel),
                    "fromRag": current.triage.rag.rawValue, "toRag": newRAG.rawValue,
                    "fromDueAt": RFC3339.format(current.triage.deadline), "toDueAt": RFC3339.format(deadline),
                ])], on: connection)
                return updated
            }
        }
    }

    /// Moves a referral to `hub`'s inbox, with a reason: it waits there as queued
    /// (undelivered if its delivery window passed), any lease on it ends, its
    /// allocation is cleared, and its deadline is recomputed under `engine`'s
    /// document. Daemons are told, so a consumer waiting on `hub` is woken.
    public func route(referral id: UUID, to hub: String, reason: String, engine: TriageEngine) async throws -> ReferralSummary {
        try await run { connection in
            try connection.transaction {
                guard try !connection.query("SELECT FROM hubs WHERE id = $1", [hub]).isEmpty else {
                    throw StoreError(.notFound, "there is no hub \(hub); `mashctl hub list` shows the hubs")
                }
                let current = try Self.lockOpenReferral(id, toBe: "re-routed", on: connection)
                let deadline = engine.deadline(for: current.triage.rag, arrivedAt: current.summary.receivedAt)
                let updated = try ReferralSummary(row: connection.query("""
                    WITH released AS (
                        INSERT INTO referral_events (referral_id, event, hub_id, lease_id, actor, detail)
                        SELECT id, 'released', hub_id, lease_id, current_user, '{"because": "routed"}'
                        FROM referrals WHERE id = $1 AND status = 'leased'
                    )
                    UPDATE referrals SET hub_id = $2, \(Self.settingDeadline("$3::timestamptz")), assigned_to = NULL, assigned_at = NULL,
                           status = CASE WHEN undelivered_at IS NULL THEN 'queued' ELSE 'undelivered' END,
                           lease_expires_at = CASE WHEN status = 'leased' THEN now() ELSE lease_expires_at END
                    WHERE id = $1 RETURNING \(ReferralSummary.columns)
                    """, [id, hub, deadline])[0])
                try Self.appendAudit([AuditEvent(.route, referral: id, reason: reason, detail: [
                    "fromHub": current.triage.hub, "toHub": hub, "fromStatus": current.summary.status,
                    "toDueAt": RFC3339.format(deadline),
                ])], on: connection)
                try connection.query("SELECT pg_notify($1, $2)", [InboxSignals.channel, InboxSignals.payload(hub: hub, origin: "mashctl")])
                return updated
            }
        }
    }

    /// Allocates an open referral to `worker`; returns it with the worker's caseload in its hub after.
    public func assign(referral id: UUID, to worker: String) async throws -> (ReferralSummary, WorkerCaseload) {
        try await run { connection in
            try connection.transaction {
                let current = try Self.lockOpenReferral(id, toBe: "allocated", on: connection)
                let row = try connection.query("""
                    UPDATE referrals SET assigned_to = $2, assigned_at = now() WHERE id = $1
                    RETURNING \(ReferralSummary.columns)
                    """, [id, worker])[0]
                try Self.appendAudit([AuditEvent(.assign, referral: id, detail: [
                    "worker": worker, "previousWorker": current.assignedTo ?? "",
                ])], on: connection)
                // The referral just allocated is open, so the worker has a caseload in its hub.
                let caseload = try Self.caseloads(hub: current.triage.hub, worker: worker, on: connection).workers[0]
                return (try ReferralSummary(row: row), caseload)
            }
        }
    }

    /// Moves every open referral allocated to `from` (in `hub`, if given) to `to`,
    /// in one transaction, with an audit entry for each. Returns the referrals moved.
    public func handover(from: String, to: String, hub: String?) async throws -> [ReferralSummary] {
        try await run { connection in
            try connection.transaction {
                let moved = try connection.query("""
                    WITH moved AS (
                        UPDATE referrals SET assigned_to = $2, assigned_at = now()
                        WHERE assigned_to = $1 AND status = ANY($4::text[]) AND ($3::text IS NULL OR hub_id = $3)
                        RETURNING \(ReferralSummary.columns), rag_rank
                    )
                    SELECT * FROM moved ORDER BY rag_rank, deadline, received_at
                    """, [from, to, hub, PostgresArray(Self.openStatuses)]
                ).map(ReferralSummary.init(row:))
                try Self.appendAudit(moved.map { AuditEvent(.handover, referral: $0.id, detail: ["fromWorker": from, "toWorker": to]) }, on: connection)
                return moved
            }
        }
    }

    /// Every hub's open referrals against its capacity, and every worker's against
    /// the hub's per-worker limit, heaviest first; one hub's only, when given.
    public func caseloads(hub: String? = nil) async throws -> (hubs: [HubCaseload], workers: [WorkerCaseload]) {
        try await run { try Self.caseloads(hub: hub, worker: nil, on: $0) }
    }

    static func caseloads(hub: String?, worker: String?, on connection: PostgresConnection) throws -> (hubs: [HubCaseload], workers: [WorkerCaseload]) {
        let open = PostgresArray(openStatuses)
        let hubs = try connection.query("""
            SELECT h.id, h.capacity, h.worker_limit,
                   (SELECT count(*) FROM referrals r WHERE r.hub_id = h.id AND r.status = ANY($2::text[])) AS open
            FROM hubs h WHERE $1::text IS NULL OR h.id = $1 ORDER BY open DESC, h.id
            """, [hub, open]
        ).map { row in
            HubCaseload(hub: try row.require(String.self, "id"), open: try row.require(Int.self, "open"),
                        capacity: try row.require(Int.self, "capacity"), workerLimit: try row.require(Int.self, "worker_limit"))
        }
        let workers = try connection.query("""
            SELECT r.hub_id, r.assigned_to, count(*) AS open, h.worker_limit
            FROM referrals r JOIN hubs h ON h.id = r.hub_id
            WHERE r.assigned_to IS NOT NULL AND r.status = ANY($3::text[])
              AND ($1::text IS NULL OR r.hub_id = $1) AND ($2::text IS NULL OR r.assigned_to = $2)
            GROUP BY r.hub_id, r.assigned_to, h.worker_limit ORDER BY open DESC, r.hub_id, r.assigned_to
            """, [hub, worker, open]
        ).map { row in
            WorkerCaseload(hub: try row.require(String.self, "hub_id"), worker: try row.require(String.self, "assigned_to"),
                           open: try row.require(Int.self, "open"), limit: try row.require(Int.self, "worker_limit"))
        }
        return (hubs, workers)
    }

    /// Locks a referral for a coordinator's change, or says why it cannot change:
    /// there is none, it has not been triaged, or it is decided or closed.
    private static func lockOpenReferral(
        _ id: UUID, toBe changed: String, on connection: PostgresConnection
    ) throws -> (summary: ReferralSummary, triage: StandingTriage, assignedTo: String?) {
        guard let row = try connection.query(
            "SELECT \(ReferralSummary.columns), assigned_to FROM referrals WHERE id = $1 FOR UPDATE", [id]
        ).first else {
            throw StoreError(.notFound, "there is no referral \(id.uuidString.lowercased()); `mashctl inbox HUB` lists a hub's referrals")
        }
        let summary = try ReferralSummary(row: row)
        guard let triage = summary.triage, openStatuses.contains(summary.status) else {
            throw StoreError(.invalid, "referral \(id.uuidString.lowercased()) is \(summary.status) and can no longer be \(changed)")
        }
        return (summary, triage, try row.decode(String.self, "assigned_to"))
    }
}
