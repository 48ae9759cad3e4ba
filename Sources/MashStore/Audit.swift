import Foundation
import Postgres

/// An action on, or a look at, a referral, as it goes into the audit log.
public struct AuditEvent: Sendable {
    public enum Action: String, Sendable {
        case view, claim, rerate, route, decide, assign, handover, export
        /// A legal hold placed on or released from a referral.
        case hold, release
        /// A record deleted by the retention policy (`detail.rule` names the rule).
        case purge
    }

    /// Who acted: nil for the database user (mashctl), `agency:<id>` or `hub:<id>` for the API.
    public var actor: String?
    public var action: Action
    public var referralID: UUID?
    public var reason: String?
    /// What changed or how the referral was looked at: a flat JSON object.
    public var detail: [String: String]

    public init(actor: String? = nil, _ action: Action, referral: UUID?, reason: String? = nil, detail: [String: String] = [:]) {
        self.actor = actor
        self.action = action
        self.referralID = referral
        self.reason = reason
        self.detail = detail
    }
}

/// One entry of the audit log, as written.
public struct AuditEntry: Sendable {
    public let id: Int
    public let at: Date
    /// The database user that wrote it, as the database saw it.
    public let databaseUser: String
    public let actor: String
    public let action: String
    public let referralID: UUID?
    public let reason: String?
    /// JSON text.
    public let detail: String

    init(row: PostgresRow) throws {
        id = try row.require(Int.self, "id")
        at = try row.require(Date.self, "at")
        databaseUser = try row.require(String.self, "db_user")
        actor = try row.require(String.self, "actor")
        action = try row.require(String.self, "action")
        referralID = try row.decode(UUID.self, "referral_id")
        reason = try row.decode(String.self, "reason")
        detail = try row.require(String.self, "detail")
    }

    static let columns = "id, at, db_user, actor, action, referral_id, reason, detail::text AS detail"
}

/// What `audit verify` found.
public struct AuditVerification: Sendable {
    public let entries: Int
    /// The first entry that does not hold, and why; nil when the whole chain holds.
    public let firstBroken: (id: Int, problem: String)?
}

extension Store {
    /// Appends `events` to the audit log in one statement, on `connection`: in the
    /// caller's transaction, so an action and its entry commit together or not at all.
    static func appendAudit(_ events: [AuditEvent], on connection: PostgresConnection) throws {
        guard !events.isEmpty else { return }
        try connection.query("""
            INSERT INTO audit_log (actor, action, referral_id, reason, detail)
            SELECT coalesce(actor, current_user), action, referral_id, reason, detail
            FROM unnest($1::text[], $2::text[], $3::uuid[], $4::text[], $5::jsonb[]) AS e (actor, action, referral_id, reason, detail)
            """, [
                PostgresArray(events.map(\.actor)), PostgresArray(events.map { Optional($0.action.rawValue) }),
                PostgresArray(events.map { $0.referralID?.uuidString }), PostgresArray(events.map(\.reason)),
                PostgresArray(try events.map { Optional(try json($0.detail)) }),
            ])
    }

    /// Records that each referral was looked at, by `actor` (nil: the database user), `via` what.
    public func recordViews(of referrals: [UUID], actor: String? = nil, via: String) async throws {
        try await run { connection in
            try Self.appendAudit(referrals.map { AuditEvent(actor: actor, .view, referral: $0, detail: ["via": via]) }, on: connection)
        }
    }

    /// The audit log, oldest first, narrowed to one referral, one actor (as actor
    /// or database user) and entries since a time, when given.
    public func auditLog(referral: UUID? = nil, actor: String? = nil, since: Date? = nil, limit: Int = 1000) async throws -> [AuditEntry] {
        try await run { connection in
            try connection.query("""
                SELECT \(AuditEntry.columns) FROM audit_log
                WHERE ($1::uuid IS NULL OR referral_id = $1) AND ($2::text IS NULL OR actor = $2 OR db_user = $2)
                  AND ($3::timestamptz IS NULL OR at >= $3)
                ORDER BY id LIMIT $4
                """, [referral, actor, since, limit]
            ).map(AuditEntry.init(row:))
        }
    }

    /// Checks every entry of the audit log, in the database: that its hash is the
    /// hash of its content and of the entry before it, and that it names that
    /// entry's hash as the previous one. Names the first entry that fails.
    public func verifyAuditLog() async throws -> AuditVerification {
        try await run { connection in
            let row = try connection.query("""
                WITH checked AS (
                    SELECT id,
                           hash = audit_entry_hash(previous_hash, id, at, db_user, actor, action, referral_id, reason, detail) AS sealed,
                           previous_hash IS NOT DISTINCT FROM lag(hash) OVER (ORDER BY id) AS linked
                    FROM audit_log
                )
                SELECT (SELECT count(*) FROM checked) AS entries, c.id, c.sealed
                FROM (SELECT 1) one
                LEFT JOIN LATERAL (SELECT id, sealed FROM checked WHERE NOT (sealed AND linked) ORDER BY id LIMIT 1) c ON true
                """)[0]
            let entries = try row.require(Int.self, "entries")
            guard let id = try row.decode(Int.self, "id") else { return AuditVerification(entries: entries, firstBroken: nil) }
            let problem = try row.require(Bool.self, "sealed")
                ? "it does not follow the entry before it: an entry was removed or inserted, or the one before was rewritten"
                : "its content does not match its hash: the entry was altered"
            return AuditVerification(entries: entries, firstBroken: (id, problem))
        }
    }
}
