import Foundation
import MashDomain
import Postgres

/// Everything kept about one referral, as `mashctl show` and `export` print it.
public struct ReferralFile: Sendable {
    public let stored: StoredReferral
    /// Quality warnings given at intake, as JSON text.
    public let warnings: String
    public let assignedTo: String?
    public let decision: RecordedDecision?
    public let updates: [RecordedUpdate]
    /// Leases, acks, releases, expiries, decisions and the delivery window, oldest first.
    public let deliveryHistory: [DeliveryEvent]
    /// Every action on and look at the referral, oldest first, this one included.
    public let auditTrail: [AuditEntry]
    /// Other referrals naming any of its children, oldest first.
    public let relatedReferrals: [ReferralSummary]
}

/// A screening decision with what the referrer does not see: who made it and why.
public struct RecordedDecision: Sendable {
    public let outcome: String
    public let decidedAt: Date
    public let decidedBy: String
    public let reason: String
    public let feedback: String?
}

/// An update as triaged when it arrived; level, RAG and hub are nil when the
/// referral was no longer open.
public struct RecordedUpdate: Sendable {
    public let reference: String
    public let receivedAt: Date
    public let level: Int?
    public let rag: String?
    public let hub: String?
    public let raised: Bool
}

/// One step of a referral's delivery history.
public struct DeliveryEvent: Sendable {
    public let at: Date
    public let event: String
    public let hub: String?
    public let actor: String
    /// JSON text.
    public let detail: String
}

extension Store {
    /// The referral's file, or nil if there is none. The look is recorded in the
    /// audit log as `action` (a view or an export) `via` a command, in the same
    /// transaction and before the file is read, so the trail returned ends with it.
    public func referralFile(id: UUID, recordedAs action: AuditEvent.Action, via: String) async throws -> ReferralFile? {
        try await run { connection in
            try connection.transaction {
                guard let stored = try Self.storedReferral(id: id, on: connection) else { return nil }
                try Self.appendAudit([AuditEvent(action, referral: id, detail: ["via": via])], on: connection)
                let row = try connection.query("""
                    SELECT warnings::text AS warnings, assigned_to, outcome, decided_at, decided_by, decision_reason, decision_feedback
                    FROM referrals WHERE id = $1
                    """, [id])[0]
                let decision = try row.decode(String.self, "outcome").map { outcome in
                    RecordedDecision(
                        outcome: outcome, decidedAt: try row.require(Date.self, "decided_at"), decidedBy: try row.require(String.self, "decided_by"),
                        reason: try row.require(String.self, "decision_reason"), feedback: try row.decode(String.self, "decision_feedback"))
                }
                let updates = try connection.query("""
                    SELECT reference, received_at, level, rag, hub_id, raised FROM referral_updates WHERE referral_id = $1 ORDER BY received_at, id
                    """, [id]).map { row in
                    RecordedUpdate(
                        reference: try row.require(String.self, "reference"), receivedAt: try row.require(Date.self, "received_at"),
                        level: try row.decode(Int.self, "level"), rag: try row.decode(String.self, "rag"),
                        hub: try row.decode(String.self, "hub_id"), raised: try row.require(Bool.self, "raised"))
                }
                let events = try connection.query("""
                    SELECT at, event, hub_id, actor, detail::text AS detail FROM referral_events WHERE referral_id = $1 ORDER BY id
                    """, [id]).map { row in
                    DeliveryEvent(at: try row.require(Date.self, "at"), event: try row.require(String.self, "event"),
                                  hub: try row.decode(String.self, "hub_id"), actor: try row.require(String.self, "actor"),
                                  detail: try row.require(String.self, "detail"))
                }
                let audit = try connection.query("SELECT \(AuditEntry.columns) FROM audit_log WHERE referral_id = $1 ORDER BY id", [id])
                    .map(AuditEntry.init(row:))
                let children = try connection.query("SELECT \(ChildKey.columns) FROM referral_children WHERE referral_id = $1", [id])
                    .map(ChildKey.init(row:))
                let related = try Self.summaries(of: children, on: connection).filter { $0.id != id }
                return ReferralFile(
                    stored: stored, warnings: try row.require(String.self, "warnings"), assignedTo: try row.decode(String.self, "assigned_to"),
                    decision: decision, updates: updates, deliveryHistory: events, auditTrail: audit, relatedReferrals: related)
            }
        }
    }

    /// A child's chronology: every referral naming them, matched as triage matches
    /// history (CONTRACT §4), oldest first.
    public func chronology(of child: Child) async throws -> [ReferralSummary] {
        try await run { try Self.summaries(of: [ChildKey(child)], on: $0) }
    }

    /// Every referral naming a child with this NHS number, oldest first.
    public func chronology(nhsNumber: String) async throws -> [ReferralSummary] {
        try await run { try Self.summaries(of: [ChildKey(nhsNumber: nhsNumber)], on: $0) }
    }

    /// The referrals naming any of `children`, oldest first.
    private static func summaries(of children: [ChildKey], on connection: PostgresConnection) throws -> [ReferralSummary] {
        let ids = try matchingReferrals(of: [children], before: nil, on: connection)[0].keys.map { $0.uuidString }
        return try connection.query(
            "SELECT \(ReferralSummary.columns) FROM referrals WHERE id = ANY($1::uuid[]) ORDER BY received_at, id", [PostgresArray(ids.map(Optional.init))]
        ).map(ReferralSummary.init(row:))
    }
}
