import Foundation
import MashDomain
import Postgres

/// A referral leased to a hub system until `expiresAt`.
public struct Lease: Sendable {
    public let id: UUID
    public let referralID: UUID
    public let expiresAt: Date
    /// The lease as the API returns it (CONTRACT §2): `leaseId`, `leaseExpiresAt`
    /// and the referral with its document, updates, triage and history summary,
    /// built as JSON by PostgreSQL from the stored row.
    public let json: String
}

/// A consumer's claim on up to `max` referrals of its hub's inbox, each leased for `seconds`.
struct LeaseClaim: Sendable {
    let hub: String
    let max: Int
    let seconds: Int
    let actor: String
}

/// One lease to end: which, for which hub, by whom.
struct LeaseEnding: Sendable {
    let lease: UUID
    let hub: String
    let actor: String
}

/// How a lease ends, named as its history event.
enum LeaseEnd: String {
    case ack = "acked"
    case release = "released"

    /// What it does to the referral.
    var change: String {
        switch self {
        case .ack: "status = 'delivered', delivered_at = now()"
        case .release: "status = CASE WHEN undelivered_at IS NULL THEN 'queued' ELSE 'undelivered' END, lease_expires_at = now()"
        }
    }
}

/// What became of an ack or a release.
public enum LeaseOutcome: Sendable, Equatable {
    /// Done now.
    case done(referralID: UUID)
    /// Done before by this same lease: a repeated request changes nothing.
    case alreadyDone(referralID: UUID)
    /// The lease expired, was released or taken over by a later lease, or its
    /// referral was decided: nothing changed. The reason is for the hub system.
    case conflict(String)
    /// This hub never held such a lease.
    case notFound
}

/// Lease, ack and release: how a hub system takes referrals out of its inbox, at
/// least once and never to two consumers at a time. Each is one statement that
/// changes the referral and records the step in its delivery history
/// (`referral_events`), so both commit together.
extension Store {
    /// Leases up to `max` referrals from the hub's inbox, in priority order (red,
    /// amber, green, then the earliest deadline, then the oldest), for
    /// `seconds`. `FOR UPDATE SKIP LOCKED`: concurrent statements each take
    /// different referrals and never wait for one another. Concurrent leases, of
    /// any hubs, share one statement and one commit (`GroupCommit`, as intake's
    /// referrals do); of those on one hub, the first to arrive is served first.
    public func lease(hub: String, max: Int, seconds: Int, actor: String) async throws -> [Lease] {
        try await leasing.submit(LeaseClaim(hub: hub, max: max, seconds: seconds, actor: actor))
    }

    /// Serves every claim with one statement: each claim's leases, in priority order.
    static func lease(_ claims: [LeaseClaim], on connection: PostgresConnection) throws -> [[Lease]] {
        let rows = try connection.query(prepared: "mash_lease", leaseStatement, [
            PostgresArray(claims.map(\.hub)), PostgresArray(claims.map { String($0.max) }),
            PostgresArray(claims.map { String($0.seconds) }), PostgresArray(claims.map(\.actor)),
        ])
        var leases = [[Lease]](repeating: [], count: claims.count)
        for row in rows {
            leases[try row.require(Int.self, "claim") - 1].append(Lease(
                id: try row.require(UUID.self, "lease_id"), referralID: try row.require(UUID.self, "id"),
                expiresAt: try row.require(Date.self, "lease_expires_at"), json: try row.require(String.self, "lease")
            ))
        }
        return leases
    }

    /// Claims are arrays of hubs, maxima, seconds and actors, numbered from 1 in
    /// that order. A hub's claims divide its inbox's head between them: the
    /// first takes places 1 to its max in priority order, the next the places
    /// after, and so on.
    static let leaseStatement = """
        WITH claims AS (
            SELECT * FROM unnest($1::text[], $2::int[], $3::int[], $4::text[]) WITH ORDINALITY AS c (hub_id, max, secs, actor, claim)
        ), places AS (
            SELECT c.claim, c.hub_id, c.secs, c.actor, place
            FROM (SELECT *, sum(max) OVER (PARTITION BY hub_id ORDER BY claim) AS through FROM claims) c,
                 generate_series(c.through - c.max + 1, c.through) AS place
        ), chosen AS (
            SELECT r.id, r.hub_id, row_number() OVER (PARTITION BY r.hub_id ORDER BY r.rag_rank, r.deadline, r.received_at) AS place
            FROM (SELECT hub_id, sum(max) AS wanted FROM claims GROUP BY hub_id) h,
                 LATERAL (SELECT id, hub_id, rag_rank, deadline, received_at FROM referrals
                          WHERE hub_id = h.hub_id AND status IN ('queued', 'undelivered')
                          ORDER BY rag_rank, deadline, received_at
                          LIMIT h.wanted FOR UPDATE SKIP LOCKED) r
        ), assigned AS (
            SELECT c.id, p.claim, p.secs, p.actor FROM chosen c JOIN places p USING (hub_id, place)
        ), leased AS (
            -- By id from an array as well as the join: a generic plan cannot see
            -- that the claims are few and small, and would join by hashing the
            -- whole table, on every lease.
            UPDATE referrals r SET status = 'leased', lease_id = gen_random_uuid(),
                   lease_expires_at = now() + make_interval(secs => a.secs)
            FROM assigned a
            WHERE r.id = ANY (ARRAY(SELECT id FROM assigned)) AND r.id = a.id
            RETURNING r.*, a.claim, a.actor
        ), recorded AS (
            INSERT INTO referral_events (referral_id, event, hub_id, lease_id, actor, detail)
            SELECT id, 'leased', hub_id, lease_id, actor, jsonb_build_object('until', lease_expires_at) FROM leased
        )
        SELECT l.claim, l.id, l.lease_id, l.lease_expires_at, json_build_object(
            'leaseId', l.lease_id, 'leaseExpiresAt', l.lease_expires_at,
            'referral', json_build_object(
                'id', l.id, 'reference', l.reference, 'agency', l.agency_id, 'receivedAt', l.received_at, 'status', l.status,
                'triage', json_build_object(
                    'level', l.level, 'rag', l.rag, 'hub', l.hub_id, 'dueAt', l.deadline, 'flags', l.flags,
                    'ruleId', l.triage_rule, 'modifiers', l.triage_modifiers, 'rulesVersion', l.threshold_version),
                'history', json_build_object(
                    'priorReferrals', l.prior_referrals, 'lastReferredAt', l.last_referred_at,
                    -- FILTER rather than WHERE: a WHERE on the event would tempt the planner
                    -- into referral_events_lease, every lease ever made, on every lease.
                    'previousLeases', (SELECT count(*) FILTER (WHERE e.event = 'leased') FROM referral_events e WHERE e.referral_id = l.id)),
                'document', l.document,
                'updates', coalesce((SELECT json_agg(u.document ORDER BY u.received_at, u.id)
                                     FROM referral_updates u WHERE u.referral_id = l.id), '[]'))
        )::text AS lease
        FROM leased l
        ORDER BY l.claim, l.rag_rank, l.deadline, l.received_at
        """

    /// The hub system has the referral in its own system: delivered, out of the
    /// inbox. Only while the lease is the referral's latest and has not expired.
    /// Concurrent acks, from any consumers of any hubs, share one statement and
    /// one commit (`GroupCommit`, as intake's referrals do).
    public func acknowledge(hub: String, lease: UUID, actor: String) async throws -> LeaseOutcome {
        try await acks.submit(LeaseEnding(lease: lease, hub: hub, actor: actor))
    }

    /// Several leases of one hub acknowledged at once: one statement, one commit.
    /// One outcome per lease, in order, each as `acknowledge` would have given it.
    public func acknowledge(hub: String, leases: [UUID], actor: String) async throws -> [LeaseOutcome] {
        let endings = leases.map { LeaseEnding(lease: $0, hub: hub, actor: actor) }
        return try await run { Self.acknowledge(endings, on: $0) }.map { try $0.get() }
    }

    /// Gives the referral back to the inbox now, for the next consumer.
    public func release(hub: String, lease: UUID, actor: String) async throws -> LeaseOutcome {
        let outcome = try await run { connection in
            try Self.end([LeaseEnding(lease: lease, hub: hub, actor: actor)], .release, on: connection)[0]
        }
        if case .done = outcome { signals.committed([hub: 1]) }
        return outcome
    }

    /// Ends a batch of acks; see `writeSplittingOnFailure`.
    static func acknowledge(_ batch: [LeaseEnding], on connection: PostgresConnection) -> [Result<LeaseOutcome, any Error>] {
        writeSplittingOnFailure(batch) { try end($0, .ack, on: connection) }
    }

    /// Ends each live lease asked for with one statement, recording the step for
    /// each; those it did not end are explained one by one (rare).
    static func end(_ endings: [LeaseEnding], _ end: LeaseEnd, on connection: PostgresConnection) throws -> [LeaseOutcome] {
        // Sorted, so that concurrent statements lock their referrals in one order.
        let sorted = endings.sorted { $0.lease.uuidString < $1.lease.uuidString }
        let ended = try connection.query(prepared: "mash_end_leases_\(end.rawValue)", """
            WITH asked AS (
                SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[]) AS a (lease_id, hub_id, actor)
            ), ended AS (
                -- The array as well as the join with asked: from the join alone, a generic
                -- plan made while few referrals had been leased read the whole lease
                -- index, every lease ever made, on every ack. With it, the plan reads
                -- that index for the leases asked for, or the index of live leases.
                UPDATE referrals r SET \(end.change)
                FROM asked a
                WHERE r.lease_id = ANY ($1::uuid[]) AND r.lease_id = a.lease_id AND r.hub_id = a.hub_id
                  AND r.status = 'leased' AND r.lease_expires_at > now()
                RETURNING r.id, r.hub_id, r.lease_id, a.actor
            ), recorded AS (
                INSERT INTO referral_events (referral_id, event, hub_id, lease_id, actor)
                SELECT id, '\(end.rawValue)', hub_id, lease_id, actor FROM ended
            )
            SELECT id, lease_id FROM ended
            """, [
                PostgresArray(sorted.map { $0.lease.uuidString }), PostgresArray(sorted.map(\.hub)), PostgresArray(sorted.map(\.actor)),
            ])
        var done: [UUID: UUID] = [:]
        for row in ended { done[try row.require(UUID.self, "lease_id")] = try row.require(UUID.self, "id") }
        return try endings.map { ending in
            if let referral = done.removeValue(forKey: ending.lease) { return .done(referralID: referral) }
            return try whyNotEnded(ending, end, on: connection)
        }
    }

    /// Why a lease was not ended, from its history: this lease already did it, it
    /// is no longer the referral's latest or no longer live, or the hub never held it.
    private static func whyNotEnded(_ ending: LeaseEnding, _ end: LeaseEnd, on connection: PostgresConnection) throws -> LeaseOutcome {
        let held = try connection.query("""
            SELECT r.id, r.status, r.lease_id = e.lease_id AS latest,
                   EXISTS (SELECT FROM referral_events d WHERE d.referral_id = r.id AND d.lease_id = e.lease_id AND d.event = $3) AS done,
                   EXISTS (SELECT FROM referral_events d WHERE d.referral_id = r.id AND d.lease_id = e.lease_id AND d.event = 'lease_expired') AS expired
            FROM referral_events e JOIN referrals r ON r.id = e.referral_id
            WHERE e.lease_id = $1 AND e.event = 'leased' AND e.hub_id = $2
            """, [ending.lease, ending.hub, end.rawValue])
        guard let row = held.first else { return .notFound }
        let referralID = try row.require(UUID.self, "id")
        if try row.require(Bool.self, "done") { return .alreadyDone(referralID: referralID) }
        guard try row.require(Bool.self, "latest") else {
            return .conflict("This lease was superseded: the referral was offered again after it ended.")
        }
        // Expired: past its time, whether or not the daemon has yet put the referral back.
        if try row.require(Bool.self, "expired") || row.require(String.self, "status") == "leased" {
            return .conflict("This lease has expired; lease the referral again.")
        }
        switch try row.require(String.self, "status") {
        case "delivered": return .conflict("This lease was already acknowledged.")
        case let status: return .conflict("This lease has ended: the referral is \(status).")
        }
    }

    /// Ends every lease past its expiry: the referral goes back to the inbox (as
    /// `undelivered` if its delivery window has passed) and the expiry is recorded.
    /// Safe to run from several daemons at once. Returns how many it ended.
    @discardableResult
    public func expireLeases() async throws -> Int {
        let hubs = try await run { connection in
            try connection.query("""
                WITH expired AS (
                    UPDATE referrals SET status = CASE WHEN undelivered_at IS NULL THEN 'queued' ELSE 'undelivered' END
                    WHERE id IN (SELECT id FROM referrals WHERE status = 'leased' AND lease_expires_at <= now()
                                 ORDER BY lease_expires_at LIMIT 1000 FOR UPDATE SKIP LOCKED)
                    RETURNING id, hub_id, lease_id
                ), recorded AS (
                    INSERT INTO referral_events (referral_id, event, hub_id, lease_id, actor)
                    SELECT id, 'lease_expired', hub_id, lease_id, 'mashd' FROM expired
                )
                SELECT hub_id FROM expired
                """).map { try $0.require(String.self, "hub_id") }
        }
        signals.committed(Dictionary(hubs.map { ($0, 1) }, uniquingKeysWith: +))
        return hubs.count
    }

    /// Marks every referral still in an inbox (not leased) past its hub's delivery
    /// window as `undelivered`, recording when. It stays in the inbox: a late
    /// delivery is better than none, and `mashctl overdue` lists it. Returns how
    /// many it marked.
    @discardableResult
    public func markUndelivered() async throws -> Int {
        try await run { try Self.markUndelivered(on: $0) }
    }

    /// `markUndelivered` on `connection`, a thousand referrals a transaction.
    static func markUndelivered(on connection: PostgresConnection) throws -> Int {
        let batch = 1000
        var marked = 0
        while true {
            let n = try connection.query(prepared: "mash_undelivered", undeliveredStatement, [batch])[0].require(Int.self, "n")
            marked += n
            if n < batch { return marked }
        }
    }

    /// Reads `referrals_awaiting_delivery` from its oldest entry and stops at the
    /// shortest delivery window of any hub: nothing received after that can have
    /// passed its window. Rows a lease holds are left to the next round. The
    /// update finds its rows by id from an array, as the lease does: a generic
    /// plan cannot see that `LIMIT $1` is small, and would hash the whole table.
    static let undeliveredStatement = """
        WITH past_window AS (
            SELECT q.id, h.delivery_window FROM referrals q JOIN hubs h ON h.id = q.hub_id
            WHERE q.status = 'queued'
              AND q.received_at <= now() - (SELECT min(delivery_window) FROM hubs)
              AND q.received_at <= now() - h.delivery_window
            ORDER BY q.received_at LIMIT $1 FOR UPDATE OF q SKIP LOCKED
        ), passed AS (
            UPDATE referrals r SET status = 'undelivered', undelivered_at = now()
            FROM past_window p
            WHERE r.id = ANY (ARRAY(SELECT id FROM past_window)) AND r.id = p.id
            RETURNING r.id, r.hub_id, p.delivery_window
        ), recorded AS (
            INSERT INTO referral_events (referral_id, event, hub_id, actor, detail)
            SELECT id, 'undelivered', hub_id, 'mashd', jsonb_build_object('window', delivery_window::text) FROM passed
        )
        SELECT count(*) AS n FROM passed
        """
}
