import Foundation
import MashConfig
import MashDomain
import Postgres

/// What one retention run deleted (or, dry, would delete), record type by record type.
public struct RetentionSummary: Sendable {
    public struct Outcome: Sendable {
        public let type: RetentionPolicy.RecordType
        public let period: RetentionPeriod
        /// Records from before this time are due; nil when the type is kept for ever.
        public let cutoff: Date?
        /// Referrals deleted, referrals whose delivery history was deleted, or
        /// quarantined submissions deleted (in a dry run: that would be).
        public let purged: Int
        /// Referrals due but kept under legal hold; nil where holds do not apply.
        public let held: Int?
    }

    public let dryRun: Bool
    public let outcomes: [Outcome]
}

extension Store {
    /// Applies `policy` as it stands at `now` (docs/RETENTION.md): deletes referrals
    /// due under `nfaReferrals` and `decidedReferrals` with everything kept about
    /// them but their audit trail, then the delivery history of decided referrals
    /// due under `deliveryHistory`, then quarantined submissions due. Referrals
    /// under legal hold are kept, and counted.
    ///
    /// Each batch of at most `retentionBatchSize` records is one transaction that
    /// locks what it deletes with `FOR UPDATE SKIP LOCKED`, deletes it and audits
    /// each record (`purge`, naming the rule), so a run stopped anywhere leaves no
    /// record half-deleted and the next run carries on. Runs take a session advisory
    /// lock: one that finds another in progress does nothing and returns nil. A dry
    /// run counts with the same conditions, deletes nothing and takes no lock.
    public func runRetention(policy: RetentionPolicy, dryRun: Bool, now: Date = Date()) async throws -> RetentionSummary? {
        try await run { connection in
            if dryRun {
                return RetentionSummary(dryRun: true, outcomes: try Self.retentionOutcomes(policy, now: now) { rule in
                    try rule.count(on: connection)
                })
            }
            guard try connection.query("SELECT pg_try_advisory_lock(\(Self.retentionLock)) AS locked")[0].require(Bool.self, "locked") else {
                return nil
            }
            defer { _ = try? connection.query("SELECT pg_advisory_unlock(\(Self.retentionLock))") }
            return RetentionSummary(dryRun: false, outcomes: try Self.retentionOutcomes(policy, now: now) { rule in
                let purged = try rule.purge(on: connection)
                return (purged, try rule.count(on: connection).held)
            })
        }
    }

    /// Records deleted by one transaction of a retention run.
    static let retentionBatchSize = 500

    /// The session advisory lock one retention run holds ('mash', 2; the audit
    /// log's appends hold ('mash', 1)).
    static let retentionLock = "1835102568, 2"

    /// Every record type's outcome, in the policy's order, from `apply` on each
    /// type's rule; types kept for ever have nothing due.
    private static func retentionOutcomes(
        _ policy: RetentionPolicy, now: Date, _ apply: (RetentionRule) throws -> (purged: Int, held: Int?)
    ) throws -> [RetentionSummary.Outcome] {
        try RetentionPolicy.RecordType.allCases.map { type in
            let period = policy[type], cutoff = period.cutoff(at: now)
            let rule = cutoff.flatMap { RetentionRule(type, cutoff: $0, policy: policy, now: now) }
            let (purged, held) = try rule.map(apply) ?? (0, RetentionRule.holdsApply(to: type) ? 0 : nil)
            return RetentionSummary.Outcome(type: type, period: period, cutoff: cutoff, purged: purged, held: held)
        }
    }
}

/// One record type's rule at one time: which records are due, and how they go.
private struct RetentionRule {
    enum Target {
        /// Referrals, deleted whole.
        case referrals
        /// Referrals' delivery history; the referrals stay.
        case deliveryHistory
        case quarantine
    }

    let type: RetentionPolicy.RecordType
    let period: RetentionPeriod
    let target: Target
    /// SQL over `r` (a referral) or `q` (a quarantined submission) saying it is due,
    /// legal holds aside; its parameters follow.
    let due: String
    let parameters: [(any PostgresEncodable)?]

    /// Nil for a type that is never deleted.
    init?(_ type: RetentionPolicy.RecordType, cutoff: Date, policy: RetentionPolicy, now: Date) {
        self.type = type
        period = policy[type]
        let decided = "r.status IN ('decided', 'closed')"
        switch type {
        case .nfaReferrals:
            (target, due, parameters) = (.referrals, "r.outcome = 'nfa' AND r.decided_at < $1 AND \(decided)", [cutoff])
        case .decidedReferrals:
            (target, due, parameters) = (.referrals, "r.outcome <> 'nfa' AND r.decided_at < $1 AND \(decided)", [cutoff])
        case .deliveryHistory:
            // A referral due for deletion goes whole under its own rule, held or not:
            // its history is not counted or deleted here as well.
            (target, due, parameters) = (.deliveryHistory, """
                r.decided_at < $1 AND r.delivery_history_purged_at IS NULL AND \(decided)
                AND NOT coalesce(r.outcome = 'nfa' AND r.decided_at < $2::timestamptz
                                 OR r.outcome <> 'nfa' AND r.decided_at < $3::timestamptz, false)
                """, [cutoff, policy[.nfaReferrals].cutoff(at: now), policy[.decidedReferrals].cutoff(at: now)])
        case .quarantine:
            (target, due, parameters) = (.quarantine, "q.received_at < $1", [cutoff])
        case .audit:
            return nil
        }
    }

    static func holdsApply(to type: RetentionPolicy.RecordType) -> Bool {
        switch type {
        case .nfaReferrals, .decidedReferrals, .deliveryHistory: true
        case .quarantine, .audit: false
        }
    }

    /// Every table that keeps something about a referral, by `referral_id`, and
    /// goes when the referral goes. The audit log stays (it records the purge), and
    /// a referral with a legal hold is never purged.
    static let referralTables = ["referral_children", "referral_updates", "referral_events"]

    private static let held = "EXISTS (SELECT FROM legal_holds h WHERE h.referral_id = r.id)"

    /// How many records are due now, and how many of those referrals are held.
    func count(on connection: PostgresConnection) throws -> (purged: Int, held: Int?) {
        guard target != .quarantine else {
            return (try connection.query("SELECT count(*) AS due FROM quarantine q WHERE \(due)", parameters)[0].require(Int.self, "due"), nil)
        }
        let row = try connection.query("""
            SELECT count(*) FILTER (WHERE NOT \(Self.held)) AS due, count(*) FILTER (WHERE \(Self.held)) AS held
            FROM referrals r WHERE \(due)
            """, parameters)[0]
        return (try row.require(Int.self, "due"), try row.require(Int.self, "held"))
    }

    /// Deletes what is due, a batch per transaction, each record audited; returns how many.
    func purge(on connection: PostgresConnection) throws -> Int {
        var purged = 0
        while true {
            let (taken, deleted) = try connection.transaction {
                let batch: (taken: Int, audit: [AuditEvent])
                switch target {
                case .quarantine:
                    batch = try purgeQuarantineBatch(on: connection)
                case .referrals, .deliveryHistory:
                    let ids = try lockDueReferrals(on: connection)
                    let audit = ids.elements.isEmpty ? []
                        : target == .referrals ? try deleteReferrals(ids, on: connection) : try deleteDeliveryHistory(ids, on: connection)
                    batch = (ids.elements.count, audit)
                }
                try Store.appendAudit(batch.audit, on: connection)
                return (batch.taken, batch.audit.count)
            }
            purged += deleted
            // A short batch means nothing more was due, or the rest is locked by
            // another transaction: the next run takes that.
            if taken < Store.retentionBatchSize { return purged }
        }
    }

    /// Quarantined submissions are never changed once written, and runs are one at
    /// a time, so this batch needs no row locks (which would need UPDATE on the
    /// table, a privilege the ops role does not have).
    private func purgeQuarantineBatch(on connection: PostgresConnection) throws -> (taken: Int, audit: [AuditEvent]) {
        let deleted = try connection.query("""
            DELETE FROM quarantine WHERE id IN (
                SELECT id FROM quarantine q WHERE \(due) ORDER BY q.received_at LIMIT \(Store.retentionBatchSize))
            RETURNING id, agency_id, received_at
            """, parameters)
        return (deleted.count, try deleted.map { row in
            AuditEvent(.purge, referral: nil, reason: reason("after its arrival"), detail: [
                "rule": type.rawValue, "period": period.description, "quarantined": String(try row.require(Int.self, "id")),
                "agency": try row.require(String.self, "agency_id"), "receivedAt": RFC3339.format(try row.require(Date.self, "received_at")),
            ])
        })
    }

    /// Locks a batch of due referrals that are not held. The statement that then
    /// deletes them looks for holds again (`unheld`): a hold committed after this
    /// statement's snapshot but before its lock is seen there, and no hold can be
    /// placed while the lock is held.
    private func lockDueReferrals(on connection: PostgresConnection) throws -> PostgresArray {
        PostgresArray(try connection.query("""
            SELECT r.id FROM referrals r WHERE \(due) AND NOT \(Self.held)
            ORDER BY r.decided_at LIMIT \(Store.retentionBatchSize) FOR UPDATE OF r SKIP LOCKED
            """, parameters).map { try $0.require(String.self, "id") })
    }

    private static let unheld = "unheld AS (SELECT id FROM referrals r WHERE id = ANY($1::uuid[]) AND NOT \(held))"

    /// Deletes the referrals with every row of `referralTables` about them, in one statement.
    private func deleteReferrals(_ ids: PostgresArray, on connection: PostgresConnection) throws -> [AuditEvent] {
        let deletions = Self.referralTables.map { "deleted_\($0) AS (DELETE FROM \($0) WHERE referral_id IN (SELECT id FROM unheld))" }
        return try connection.query("""
            WITH \(([Self.unheld] + deletions).joined(separator: ",\n     "))
            DELETE FROM referrals WHERE id IN (SELECT id FROM unheld) RETURNING id, decided_at
            """, [ids]
        ).map { row in
            AuditEvent(.purge, referral: try row.require(UUID.self, "id"), reason: reason("after its decision"), detail: [
                "rule": type.rawValue, "period": period.description, "decidedAt": RFC3339.format(try row.require(Date.self, "decided_at")),
            ])
        }
    }

    /// Deletes the referrals' delivery history and marks them, so that the next run does not look at them again.
    private func deleteDeliveryHistory(_ ids: PostgresArray, on connection: PostgresConnection) throws -> [AuditEvent] {
        try connection.query("""
            WITH \(Self.unheld),
                 deleted AS (DELETE FROM referral_events WHERE referral_id IN (SELECT id FROM unheld) RETURNING referral_id),
                 marked AS (UPDATE referrals SET delivery_history_purged_at = now() WHERE id IN (SELECT id FROM unheld) RETURNING id, decided_at)
            SELECT m.id, m.decided_at, count(d.referral_id) AS events
            FROM marked m LEFT JOIN deleted d ON d.referral_id = m.id GROUP BY m.id, m.decided_at
            """, [ids]
        ).map { row in
            AuditEvent(.purge, referral: try row.require(UUID.self, "id"), reason: reason("after the referral's decision"), detail: [
                "rule": type.rawValue, "period": period.description, "decidedAt": RFC3339.format(try row.require(Date.self, "decided_at")),
                "deliveryEvents": String(try row.require(Int.self, "events")),
            ])
        }
    }

    /// The audit entry's reason: the rule that purged the record. No personal data.
    private func reason(_ from: String) -> String {
        "retention policy: \(type.rawValue) kept \(period) \(from)"
    }
}
