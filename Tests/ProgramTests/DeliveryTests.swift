import Foundation
import LocalCluster
import MashDomain
import MashStore
import MashTesting
import Postgres
import Testing

/// Hub systems taking referrals out of their inbox through running mashd
/// processes: leases in priority order and never to two consumers at once, acks
/// and releases that refuse dead leases, long-poll wake-ups across daemons,
/// decisions the referrer sees, and the delivery window.
@Suite("Delivery to hub systems, end to end")
struct DeliveryTests {
    static let hub = "mash-screening"

    /// A hub system's view of one lease.
    struct Leased: Sendable {
        let id: String
        let referralID: String
        let reference: String
        let expiresAt: Date
        /// The lease entry as the API sent it.
        let entry: Data
        var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: entry)) as? [String: Any]) ?? [:] }
    }

    static func lease(
        _ daemon: DaemonProcess, _ token: String, hub: String = hub, max: Int = 1, wait: Int = 0, leaseSeconds: Int = 60
    ) async throws -> (status: Int, leases: [Leased], response: HTTP.Response) {
        let body = Data(#"{"max": \#(max), "waitSeconds": \#(wait), "leaseSeconds": \#(leaseSeconds)}"#.utf8)
        let response = try await HTTP.send("POST", daemon.baseURL.appendingPathComponent("v1/hubs/\(hub)/leases"), token: token, body: body)
        guard response.status == 200 else { return (response.status, [], response) }
        let leases = try (response.json["leases"] as? [[String: Any]] ?? []).map { entry in
            let referral = try #require(entry["referral"] as? [String: Any])
            let document = try #require(referral["document"] as? [String: Any])
            return Leased(
                id: try #require(entry["leaseId"] as? String), referralID: try #require(referral["id"] as? String),
                reference: try #require(document["reference"] as? String),
                expiresAt: try #require((entry["leaseExpiresAt"] as? String).flatMap(RFC3339.parse)),
                entry: try JSONSerialization.data(withJSONObject: entry)
            )
        }
        return (200, leases, response)
    }

    static func end(_ daemon: DaemonProcess, _ token: String, _ lease: String, _ action: String, hub: String = hub) async throws -> HTTP.Response {
        try await HTTP.send("POST", daemon.baseURL.appendingPathComponent("v1/hubs/\(hub)/leases/\(lease)/\(action)"), token: token, contentType: nil)
    }

    static func post(_ daemon: DaemonProcess, _ setup: Fixtures.Setup, _ reference: String, n: Int, concern: String = "domestic_abuse") async throws -> String {
        let response = try await HTTP.send("POST", daemon.baseURL.appendingPathComponent("v1/referrals"), token: setup.policeToken, body: Fixtures.referral(
            reference: reference, familyName: Fixtures.familyName(n), nhsNumber: Fixtures.nhsNumber(n), concern: concern
        ))
        #expect(response.status == 201, "\(response.text)")
        return try #require(response.json["id"] as? String)
    }

    static func agencyView(_ daemon: DaemonProcess, _ setup: Fixtures.Setup, _ id: String) async throws -> [String: Any] {
        try await HTTP.send("GET", daemon.baseURL.appendingPathComponent("v1/referrals/\(id)"), token: setup.policeToken, contentType: nil).json
    }

    static func events(_ store: Store, _ referralID: String) async throws -> [String] {
        try await store.pool.withConnection { connection in
            try connection.query("SELECT event FROM referral_events WHERE referral_id = $1::uuid ORDER BY id", [referralID]).map { try $0.require(String.self, "event") }
        }
    }

    /// `count` referrals queued in the hub straight from SQL (red, amber, green in
    /// turn, due a day from now so the deadline watch leaves them alone): what
    /// delivery starts from, without paying for intake.
    static func seed(_ store: Store, count: Int, prefix: String = "S-") async throws {
        try await store.pool.withConnection { connection in
            try connection.query("""
                INSERT INTO referrals (agency_id, reference, document, status, threshold_version, level, rag, hub_id, deadline, triage_rule)
                SELECT 'tvp', $2 || g, jsonb_build_object('reference', $2 || g), 'queued', 1, 2, (ARRAY['red', 'amber', 'green'])[1 + g % 3],
                       $3, now() + interval '1 day' + g * interval '1 second', 'seeded'
                FROM generate_series(1, $1::int) g
                """, [count, prefix, hub])
        }
    }

    @Test func leasesComeInPriorityOrderToOneConsumerAtATimeAndDeadLeasesAreRefused() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        let daemon = try await DaemonProcess(database: setup.database)
        let amber = try await Self.post(daemon, setup, "A-1", n: 1, concern: "physical_abuse")
        _ = try await Self.post(daemon, setup, "G-1", n: 2)
        _ = try await Self.post(daemon, setup, "G-2", n: 3)

        let first = try await Self.lease(daemon, setup.hubToken)
        #expect(first.leases.map(\.reference) == ["A-1"], "amber before green")
        let entry = try #require(first.leases.first?.json["referral"] as? [String: Any])
        let triage = try #require(entry["triage"] as? [String: Any])
        #expect(triage["rag"] as? String == "amber" && triage["hub"] as? String == Self.hub && triage["ruleId"] as? String == "physical-abuse")
        #expect((entry["history"] as? [String: Any])?["priorReferrals"] as? Int == 0)
        #expect((entry["updates"] as? [Any])?.isEmpty == true && entry["agency"] as? String == "tvp")
        let others = try await Self.lease(daemon, setup.hubToken, max: 10)
        #expect(others.leases.map(\.reference) == ["G-1", "G-2"], "a leased referral is offered to no one else")
        #expect(try await Self.lease(daemon, setup.hubToken).leases.isEmpty)

        // Ack: delivered, and a repeated ack changes nothing.
        #expect(try await Self.end(daemon, setup.hubToken, first.leases[0].id, "ack").status == 204)
        #expect(try await Self.end(daemon, setup.hubToken, first.leases[0].id, "ack").status == 204)
        #expect(try await Self.agencyView(daemon, setup, amber)["status"] as? String == "delivered")
        #expect(try await Self.events(setup.store, amber) == ["leased", "acked"])
        #expect(try await Self.end(daemon, setup.hubToken, first.leases[0].id, "release").status == 409)

        // Release: offered again at once; the released lease can no longer ack.
        let released = others.leases[0]
        #expect(try await Self.end(daemon, setup.hubToken, released.id, "release").status == 204)
        let again = try await Self.lease(daemon, setup.hubToken)
        #expect(again.leases.map(\.reference) == ["G-1"])
        let history = try #require((again.leases.first?.json["referral"] as? [String: Any])?["history"] as? [String: Any])
        #expect(history["previousLeases"] as? Int == 1)
        let superseded = try await Self.end(daemon, setup.hubToken, released.id, "ack")
        #expect(superseded.status == 409 && superseded.json["type"] as? String == "/problems/lease-conflict")

        // An expired lease refuses its ack, changes nothing, and the daemon gives
        // the referral back to the inbox by itself.
        let expiring = others.leases[1]
        try await setup.store.pool.withConnection {
            try $0.query("UPDATE referrals SET lease_expires_at = now() - interval '1 second' WHERE lease_id = $1::uuid", [expiring.id])
        }
        let late = try await Self.end(daemon, setup.hubToken, expiring.id, "ack")
        #expect(late.status == 409 && (late.json["detail"] as? String)?.contains("expired") == true, "\(late.text)")
        let offered = try await Self.lease(daemon, setup.hubToken, wait: 10)
        #expect(offered.leases.map(\.reference) == ["G-2"])
        #expect(try await Self.events(setup.store, expiring.referralID) == ["leased", "lease_expired", "leased"])

        // Only this hub's own token, and only a hub's.
        let otherHub = try await setup.store.issueToken(hubID: "early-help").secret
        #expect(try await Self.lease(daemon, otherHub).status == 404)
        #expect(try await Self.end(daemon, otherHub, again.leases[0].id, "ack", hub: "early-help").status == 404)
        #expect(try await Self.lease(daemon, setup.policeToken).status == 403)
        #expect(try await Self.end(daemon, setup.hubToken, UUID().uuidString.lowercased(), "ack").status == 404)
        #expect(try await Self.agencyView(daemon, setup, again.leases[0].referralID)["status"] as? String == "leased")

        // A bad request lists every problem.
        let bad = try await HTTP.send("POST", daemon.baseURL.appendingPathComponent("v1/hubs/\(Self.hub)/leases"), token: setup.hubToken,
                                      body: Data(#"{"max": 0, "waitSeconds": 31, "leaseSeconds": 5}"#.utf8))
        #expect(bad.status == 422)
        #expect((bad.json["errors"] as? [[String: Any]])?.compactMap { $0["pointer"] as? String } == ["/max", "/waitSeconds", "/leaseSeconds"])
    }

    @Test func severalLeasesAreAcknowledgedWithOneRequestEachWithItsOwnResult() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        try await Self.seed(setup.store, count: 4)
        let daemon = try await DaemonProcess(database: setup.database)
        let leases = try await Self.lease(daemon, setup.hubToken, max: 4).leases
        #expect(leases.count == 4)
        #expect(try await Self.end(daemon, setup.hubToken, leases[3].id, "release").status == 204)
        let unknown = UUID().uuidString.lowercased()
        let asked = [leases[0].id, leases[1].id, unknown, leases[3].id, leases[0].id]
        let answer = try await HTTP.send("POST", daemon.baseURL.appendingPathComponent("v1/hubs/\(Self.hub)/acks"), token: setup.hubToken,
                                         body: try JSONSerialization.data(withJSONObject: ["leaseIds": asked]))
        #expect(answer.status == 200, "\(answer.text)")
        let results = try #require(answer.json["results"] as? [[String: Any]])
        #expect(results.compactMap { $0["leaseId"] as? String } == asked, "one result per lease, in the order asked")
        #expect(results.compactMap { $0["status"] as? Int } == [204, 204, 404, 409, 204], "the released lease refused; the repeat answered as a repeat")
        for lease in leases[0...1] {
            #expect(try await Self.events(setup.store, lease.referralID) == ["leased", "acked"])
        }
        #expect(try await Self.lease(daemon, setup.hubToken).leases.map(\.referralID) == [leases[3].referralID], "the released one is still there")

        let bad = try await HTTP.send("POST", daemon.baseURL.appendingPathComponent("v1/hubs/\(Self.hub)/acks"), token: setup.hubToken,
                                      body: Data(#"{"leaseIds": ["not-a-lease", 7]}"#.utf8))
        #expect(bad.status == 400)
        #expect((bad.json["errors"] as? [[String: Any]])?.compactMap { $0["pointer"] as? String } == ["/leaseIds/0", "/leaseIds/1"])
        let otherHub = try await setup.store.issueToken(hubID: "early-help").secret
        #expect(try await HTTP.send("POST", daemon.baseURL.appendingPathComponent("v1/hubs/\(Self.hub)/acks"), token: otherHub,
                                    body: Data(#"{"leaseIds": ["\#(leases[2].id)"]}"#.utf8)).status == 404)
    }

    @Test func aDecisionIsWhatTheReferrerSeesAndEndsTheLease() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        let daemon = try await DaemonProcess(database: setup.database)
        let id = try await Self.post(daemon, setup, "D-1", n: 20)
        #expect(try await Self.agencyView(daemon, setup, id)["decision"] is NSNull)
        let leased = try #require(try await Self.lease(daemon, setup.hubToken).leases.first)

        let decide = { (body: String) in
            try await HTTP.send("POST", daemon.baseURL.appendingPathComponent("v1/hubs/\(Self.hub)/referrals/\(id)/decision"),
                                token: setup.hubToken, body: Data(body.utf8))
        }
        let invalid = try await decide(#"{"outcome": "maybe"}"#)
        #expect(invalid.status == 422)
        #expect((invalid.json["errors"] as? [[String: Any]])?.compactMap { $0["pointer"] as? String } == ["/outcome", "/reason"])
        let decision = #"{"outcome": "early_help", "reason": "Needs met by early help", "feedback": "Early help will contact the family this week."}"#
        let decided = try await decide(decision)
        #expect(decided.status == 200 && decided.json["outcome"] as? String == "early_help", "\(decided.text)")
        #expect(try await decide(decision).status == 200, "the same decision again changes nothing")
        #expect(try await decide(#"{"outcome": "nfa", "reason": "changed my mind"}"#).status == 409)

        let view = try await Self.agencyView(daemon, setup, id)
        #expect(view["status"] as? String == "decided")
        let seen = try #require(view["decision"] as? [String: Any])
        #expect(seen["outcome"] as? String == "early_help")
        #expect(seen["feedback"] as? String == "Early help will contact the family this week.")
        #expect(seen["decidedAt"] is String && seen["reason"] == nil, "the reason is for the record, not the referrer")
        #expect(try await Self.end(daemon, setup.hubToken, leased.id, "ack").status == 409, "the decision ended the lease")
        #expect(try await Self.events(setup.store, id) == ["leased", "decided"])
        let referralID = try #require(UUID(uuidString: id))
        let audited = try await setup.store.auditLog(referral: referralID)
        #expect(audited.map { "\($0.action) \($0.actor)" } == ["view agency:tvp", "decide hub:\(Self.hub)", "view agency:tvp"],
                "the decision once, and each of the referrer's reads")
        #expect(audited[1].reason == "Needs met by early help")
        let elsewhere = try await setup.store.issueToken(hubID: "early-help").secret
        let foreign = try await HTTP.send("POST", daemon.baseURL.appendingPathComponent("v1/hubs/early-help/referrals/\(id)/decision"),
                                          token: elsewhere, body: Data(decision.utf8))
        #expect(foreign.status == 404, "another hub's referral is not there for it")

        let quiet = try await Self.post(daemon, setup, "D-2", n: 21)
        let unexplained = try await HTTP.send("POST", daemon.baseURL.appendingPathComponent("v1/hubs/\(Self.hub)/referrals/\(quiet)/decision"),
                                              token: setup.hubToken, body: Data(#"{"outcome": "nfa", "reason": "No role for children's services"}"#.utf8))
        #expect(unexplained.status == 200 && unexplained.text.contains(#""feedback":null"#), "no feedback is null, as the referrer sees it")

        // The longest decision allowed, every character escaped as a surrogate
        // pair (72 kB), is within hub requests' body limit; a body over it is not.
        let longest = try await Self.post(daemon, setup, "D-3", n: 22)
        let decideLongest = { (body: String) in
            try await HTTP.send("POST", daemon.baseURL.appendingPathComponent("v1/hubs/\(Self.hub)/referrals/\(longest)/decision"),
                                token: setup.hubToken, body: Data(body.utf8))
        }
        let padded = #"{"outcome": "nfa", "reason": "x""# + String(repeating: " ", count: 96 * 1024) + "}"
        #expect(try await decideLongest(padded).status == 413)
        let emoji = #"\ud83d\ude00"#
        let spelledOut = #"{"outcome": "nfa", "reason": ""# + String(repeating: emoji, count: 2000)
            + #"", "feedback": ""# + String(repeating: emoji, count: 4000) + #""}"#
        let decidedLongest = try await decideLongest(spelledOut)
        #expect(decidedLongest.status == 200, "\(decidedLongest.status)")
        #expect((decidedLongest.json["feedback"] as? String)?.unicodeScalars.count == 4000)
    }

    @Test func aReferralNobodyTakesWithinTheDeliveryWindowIsUndeliveredButStillOffered() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        _ = try await setup.store.updateHub(id: Self.hub, name: nil, capacity: nil, deliveryWindow: .seconds(1))
        let daemon = try await DaemonProcess(database: setup.database)
        let id = try await Self.post(daemon, setup, "W-1", n: 30)
        let deadline = ContinuousClock.now + .seconds(20)
        var status = ""
        while status != "undelivered" && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(250))
            status = try await Self.agencyView(daemon, setup, id)["status"] as? String ?? ""
        }
        #expect(status == "undelivered", "the daemon marks it within its 10-second round")
        // Counted in the metrics by the same round (a gauge per hub).
        var counted = false
        while !counted && ContinuousClock.now < deadline + .seconds(15) {
            let metrics = try await HTTP.send("GET", daemon.baseURL.appendingPathComponent("metrics"), contentType: nil)
            counted = metrics.text.split(separator: "\n").contains {
                $0 == #"mash_inbox_undelivered{hub="mash-screening"} 1"# || $0 == #"mash_inbox_undelivered{hub="mash-screening"} 1.0"#
            }
            if !counted { try await Task.sleep(for: .milliseconds(500)) }
        }
        #expect(counted, "mash_inbox_undelivered counts it")
        let overdue = try await CLI.run("mashctl", ["overdue", "--format", "json", "--database-url", setup.database.connectionString(as: .coordinator)])
        let listed = try JSONSerialization.jsonObject(with: Data(overdue.stdout.utf8)) as? [[String: Any]]
        #expect(listed?.map { $0["id"] as? String } == [id], "\(overdue.stderr)")
        #expect(listed?.first?["status"] as? String == "undelivered")

        let late = try await Self.lease(daemon, setup.hubToken)
        #expect(late.leases.map(\.referralID) == [id], "a late delivery is better than none")
        #expect(try await Self.end(daemon, setup.hubToken, late.leases[0].id, "release").status == 204)
        #expect(try await Self.agencyView(daemon, setup, id)["status"] as? String == "undelivered")
        let delivered = try #require(try await Self.lease(daemon, setup.hubToken).leases.first)
        #expect(try await Self.end(daemon, setup.hubToken, delivered.id, "ack").status == 204)
        #expect(try await Self.agencyView(daemon, setup, id)["status"] as? String == "delivered")
        #expect(try await Self.events(setup.store, id) == ["undelivered", "leased", "released", "leased", "acked"])
    }

    @Test func aWaitingConsumerIsWokenByAReferralCommittedInAnyDaemon() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        let waiting = try await DaemonProcess(database: setup.database)
        let other = try await DaemonProcess(database: setup.database)

        // Nothing arrives: the request waits its time out and answers empty.
        let started = ContinuousClock.now
        #expect(try await Self.lease(waiting, setup.hubToken, wait: 1).leases.isEmpty)
        #expect(ContinuousClock.now - started >= .milliseconds(900))

        // The safety poll is 5 s and the waits 20 s: an answer within 3 s means a
        // wake-up, through NOTIFY from the other daemon or in-process from this one.
        for (n, intake) in [other, waiting].enumerated() {
            async let leased = Self.lease(waiting, setup.hubToken, wait: 20)
            try await Task.sleep(for: .milliseconds(500))
            let posted = ContinuousClock.now
            let id = try await Self.post(intake, setup, "L-\(n)", n: 40 + n)
            let result = try await leased
            #expect(result.leases.map(\.referralID) == [id])
            #expect(ContinuousClock.now - posted < .seconds(3), "woken by \(n == 0 ? "NOTIFY" : "the daemon itself")")
        }
    }

    /// A daemon alone sends no inbox NOTIFY, since nobody would hear it; once a
    /// second daemon has greeted it and it has answered, its intake notifies.
    @Test func aDaemonSendsInboxNotificationsOnlyWhileAnotherDaemonListens() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        let listener = PostgresListener(configuration: setup.store.pool.configuration, channels: [InboxSignals.channel])
        let heard = Shared<[String]>([])
        let listening = Task {
            await withDiscardingTaskGroup { group in
                group.addTask { await listener.run() }
                for await event in listener.events {
                    switch event {
                    case .listening: heard.withLock { $0.append("(listening)") }
                    case .notification(let notification): heard.withLock { $0.append(notification.payload) }
                    }
                }
            }
        }
        defer { listening.cancel() }
        /// Waits up to `limit` for what was heard to satisfy `condition`.
        func hear(within limit: Duration, _ condition: ([String]) -> Bool) async throws -> Bool {
            let deadline = ContinuousClock.now + limit
            while ContinuousClock.now < deadline {
                if heard.withLock({ condition($0) }) { return true }
                try await Task.sleep(for: .milliseconds(50))
            }
            return heard.withLock { condition($0) }
        }
        #expect(try await hear(within: .seconds(5)) { $0.contains("(listening)") })

        let alone = try await DaemonProcess(database: setup.database)
        #expect(try await hear(within: .seconds(5)) { $0.contains { $0.hasPrefix("+ ") } }, "the daemon greets whoever listens")
        let origin = String(try #require(heard.withLock { $0.first { $0.hasPrefix("+ ") } }).dropFirst(2))
        _ = try await Self.post(alone, setup, "Q-1", n: 70)
        try await Task.sleep(for: .seconds(1))
        #expect(!heard.withLock { $0 }.contains { $0.hasPrefix("\(Self.hub) ") }, "alone, it told nobody: \(heard.withLock { $0 })")

        let other = try await DaemonProcess(database: setup.database)
        // The newcomer greets; the first daemon answers with its presence.
        #expect(try await hear(within: .seconds(10)) { payloads in
            guard let greeting = payloads.firstIndex(where: { $0.hasPrefix("+ ") && $0 != "+ \(origin)" }) else { return false }
            return payloads[greeting...].contains("* \(origin)")
        }, "\(heard.withLock { $0 })")
        _ = try await Self.post(alone, setup, "Q-2", n: 71)
        #expect(try await hear(within: .seconds(3)) { $0.contains("\(Self.hub) \(origin)") }, "\(heard.withLock { $0 })")
        _ = other
    }

    @Test func anUpdateThatMovesAReferralWakesTheConsumersOfItsNewHub() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        let daemon = try await DaemonProcess(database: setup.database)
        let id = try await Self.post(daemon, setup, "M-1", n: 50)
        // Immediate danger moves it to child protection in office hours, to the
        // emergency duty team outside them: a consumer waits on each.
        let tokens = [
            "child-protection": try await setup.store.issueToken(hubID: "child-protection").secret,
            "edt": try await setup.store.issueToken(hubID: "edt").secret,
        ]
        async let protection = Self.lease(daemon, tokens["child-protection"]!, hub: "child-protection", wait: 8)
        async let emergency = Self.lease(daemon, tokens["edt"]!, hub: "edt", wait: 8)
        try await Task.sleep(for: .milliseconds(500))
        let updated = Date()
        let update = try await HTTP.send("POST", daemon.baseURL.appendingPathComponent("v1/referrals/\(id)/updates"), token: setup.policeToken,
                                         body: Data(#"{"reference": "M-1/1", "concerns": [], "immediateDanger": true, "detail": "He is back at the address."}"#.utf8))
        #expect(update.status == 201, "\(update.text)")
        let got = [try await protection, try await emergency].filter { !$0.leases.isEmpty }
        #expect(got.count == 1 && got.first?.leases.map(\.referralID) == [id])
        // Leased for 60 s: when it was leased, against the 5-s safety poll.
        let leasedAt = try #require(got.first?.leases.first?.expiresAt).addingTimeInterval(-60)
        #expect(leasedAt.timeIntervalSince(updated) < 3, "woken by the update, not by the safety poll")
    }

    @Test func twoDaemonsAndFourConsumersDrainTenThousandReferralsEachAckedOnce() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        let total = 10_000
        try await Self.seed(setup.store, count: total)
        let daemons = [
            try await DaemonProcess(database: setup.database),
            try await DaemonProcess(database: setup.database),
        ]
        let received = try await withThrowingTaskGroup(of: [String].self) { group in
            for consumer in 0..<4 {
                group.addTask {
                    var acked: [String] = []
                    let daemon = daemons[consumer % 2]
                    while true {
                        let batch = try await Self.lease(daemon, setup.hubToken, max: 10, wait: 1, leaseSeconds: 300)
                        try #require(batch.status == 200, "\(batch.response.text)")
                        if batch.leases.isEmpty { return acked }
                        for lease in batch.leases {
                            let ack = try await Self.end(daemon, setup.hubToken, lease.id, "ack")
                            try #require(ack.status == 204, "\(ack.text)")
                            acked.append(lease.referralID)
                        }
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let all = received.flatMap { $0 }
        #expect(all.count == total, "every referral acked")
        #expect(Set(all).count == total, "none acked twice")
        #expect(received.allSatisfy { $0.count > 0 }, "every consumer took a share: \(received.map(\.count))")
        let history = try await setup.store.pool.withConnection { connection in
            try connection.query("""
                SELECT count(*) FILTER (WHERE leases = 1 AND acks = 1) AS once, count(*) AS referrals
                FROM (SELECT referral_id, count(*) FILTER (WHERE event = 'leased') AS leases, count(*) FILTER (WHERE event = 'acked') AS acks
                      FROM referral_events GROUP BY referral_id) per_referral
                """)[0]
        }
        #expect(try history.require(Int.self, "once") == total, "each leased once, to one consumer, and acked once")
        #expect(try history.require(Int.self, "referrals") == total)
    }

    @Test func referralsLeasedByTwentyConsumersKilledMidLeaseAreOfferedAgainAndAllAcked() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        try await Self.seed(setup.store, count: 40)
        let daemon = try await DaemonProcess(database: setup.database)
        // Twenty consumer processes (bench/DeliveryBench's `hold`) each lease one
        // referral for the shortest lease there is and hold it; each is SIGKILLed.
        let holder = try DaemonProcess.binary("delivery-bench").path
        let consumers = try (0..<20).map { _ in
            let log = FileManager.default.temporaryDirectory.appendingPathComponent("consumer-\(UUID().uuidString).log")
            let pid = try ChildProcess.start([holder, "hold", String(daemon.port), setup.hubToken, Self.hub, "30"], logPath: log.path)
            return (pid: pid, log: log)
        }
        var abandoned: [String: Date] = [:]
        let started = ContinuousClock.now
        for consumer in consumers {
            var line: [Substring] = []
            while line.count != 4 && ContinuousClock.now - started < .seconds(30) {
                line = ((try? String(contentsOf: consumer.log, encoding: .utf8)) ?? "").split(separator: "\n")
                    .first { $0.hasPrefix("HOLD ") }?.split(separator: " ") ?? []
                if line.count != 4 { try await Task.sleep(for: .milliseconds(50)) }
            }
            kill(consumer.pid, SIGKILL)
            _ = await ChildProcess.exitCode(of: consumer.pid)
            try? FileManager.default.removeItem(at: consumer.log)
            try #require(line.count == 4, "consumer \(consumer.pid) never held a lease")
            let expires = try #require(RFC3339.parse(String(line[3])))
            abandoned[String(line[2])] = expires
        }
        #expect(abandoned.count == 20, "twenty referrals held by twenty killed consumers")

        // A healthy consumer drains the rest and waits for the abandoned ones.
        var acked: Set<String> = []
        var offeredAgain: [String: Date] = [:]
        let giveUp = ContinuousClock.now + .seconds(60)
        while acked.count < 40 && ContinuousClock.now < giveUp {
            for lease in try await Self.lease(daemon, setup.hubToken, max: 10, wait: 5).leases {
                if abandoned[lease.referralID] != nil { offeredAgain[lease.referralID] = Date() }
                #expect(try await Self.end(daemon, setup.hubToken, lease.id, "ack").status == 204)
                acked.insert(lease.referralID)
            }
        }
        #expect(acked.count == 40, "every referral acked in the end")
        for (id, expiry) in abandoned {
            let again = try #require(offeredAgain[id], "abandoned referral offered again")
            #expect(again.timeIntervalSince(expiry) < 5, "offered again within leaseSeconds + 5 s")
            #expect(again >= expiry, "not before the lease expired")
            #expect(try await Self.events(setup.store, id) == ["leased", "lease_expired", "leased", "acked"])
        }
    }
}
