import Foundation
import LocalCluster
#if canImport(FoundationXML)
import FoundationXML
#endif
import MashDomain
import MashStore
import MashTesting
import Postgres
import Testing

/// The coordinator's desk through the built `mashctl` against a real database:
/// the screening journey with its audit trail, `next` under contention, the
/// audit log's tamper evidence, caseloads and handover, and the performance report.
/// The desk runs as a coordinator's login, hub settings as an operator's.
@Suite("The coordinator's desk, end to end")
struct DeskTests {
    static func mashctl(_ database: TestDatabase, _ arguments: [String], as login: TestLogin = .coordinator) async throws -> CLI.Result {
        try await CLI.run("mashctl", arguments + ["--database-url", database.connectionString(as: login)])
    }

    static func json(_ result: CLI.Result) throws -> [String: Any] {
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout)")
    }

    static func list(_ result: CLI.Result) async throws -> [[String: Any]] {
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]], "\(result.stdout)")
    }

    static func query(_ store: Store, _ sql: String, _ parameters: [(any PostgresEncodable)?] = []) async throws -> [PostgresRow] {
        try await store.pool.withConnection { try Array($0.query(sql, parameters)) }
    }

    /// `count` valid referrals queued in `hub` straight from SQL, as intake would
    /// have triaged them: what the desk starts from, without paying for intake.
    static func seed(_ store: Store, count: Int, hub: String = "mash-screening", prefix: String = "S-") async throws {
        let document = String(decoding: Fixtures.referral(reference: "seed"), as: UTF8.self)
        _ = try await query(store, """
            INSERT INTO referrals (agency_id, reference, document, status, threshold_version, level, rag, hub_id, deadline, triage_rule)
            SELECT 'tvp', $2 || g, $4::jsonb || jsonb_build_object('reference', $2 || g), 'queued', 1, 2,
                   (ARRAY['red', 'amber', 'green'])[1 + g % 3], $3, now() + g * interval '1 second', 'seeded'
            FROM generate_series(1, $1::int) g
            """, [count, prefix, hub, document])
    }

    @Test func aReferralIsScreenedFromTheTerminalAndTheReferrerSeesTheOutcomeWithEveryStepAudited() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        let database = setup.database
        let daemon = try await DaemonProcess(database: database)
        let posted = try await HTTP.send("POST", daemon.baseURL.appendingPathComponent("v1/referrals"), token: setup.policeToken,
                                         body: Fixtures.referral(reference: "J-1", familyName: "Journey", nhsNumber: Fixtures.nhsNumber(501)))
        let id = try #require(posted.json["id"] as? String)
        let hub = try #require(try await Self.query(setup.store, "SELECT hub_id FROM referrals WHERE id = $1::uuid", [id]).first?.require(String.self, "hub_id"))
        let user = TestLogin.coordinator.rawValue

        // Inbox, then claim: in review, allocated to the database user, shown in full.
        await #expect(try Self.list(Self.mashctl(database, ["inbox", hub, "--format", "json"])).map { $0["id"] as? String } == [id])
        let claimed = try await Self.json(Self.mashctl(database, ["next", hub, "--format", "json"]))
        #expect(claimed["id"] as? String == id && claimed["status"] as? String == "in_review" && claimed["assignedTo"] as? String == user)
        #expect((claimed["document"] as? [String: Any])?["reference"] as? String == "J-1")
        let tried = try #require(claimed["triage"] as? [[String: Any]])
        #expect(tried.contains { $0["matched"] as? Bool == true && $0["id"] as? String == claimed["ruleId"] as? String })
        #expect(try await Self.mashctl(database, ["next", hub, "--format", "json"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "null",
                "a claimed referral is no one else's next")

        let shown = try await Self.json(Self.mashctl(database, ["show", id, "--format", "json"]))
        #expect((shown["auditTrail"] as? [[String: Any]])?.compactMap { $0["action"] as? String } == ["claim", "view", "view"])
        let unknown = try await Self.mashctl(database, ["show", UUID().uuidString])
        #expect(unknown.status == 1 && unknown.stderr.contains("mashctl inbox"), "an unknown id says where to look")
        #expect(try await Self.mashctl(database, ["show", "not-an-id"]).status == 64, "a malformed id is a usage error")

        // Re-rate to red: the deadline is recomputed (red: 4 hours round the clock).
        #expect(try await Self.mashctl(database, ["rerate", id, "--rag", "red"]).status == 64, "a reason is required")
        let rerated = try await Self.json(Self.mashctl(database, ["rerate", id, "--rag", "red", "--level", "4", "--reason", "Mother disclosed threats", "--format", "json"]))
        let receivedAt = try #require((rerated["receivedAt"] as? String).flatMap(RFC3339.parse))
        let dueAt = try #require((rerated["dueAt"] as? String).flatMap(RFC3339.parse))
        #expect(rerated["rag"] as? String == "red" && rerated["level"] as? Int == 4)
        #expect(dueAt <= receivedAt.addingTimeInterval(4 * 3600) && dueAt > receivedAt)

        // Decide: the referrer sees outcome and feedback, never the reason.
        let decided = try await Self.json(Self.mashctl(database, [
            "decide", id, "--outcome", "strategy_discussion", "--reason", "Significant harm likely", "--feedback", "A strategy discussion is being held today.", "--format", "json",
        ]))
        #expect(decided["outcome"] as? String == "strategy_discussion")
        let seen = try await HTTP.send("GET", daemon.baseURL.appendingPathComponent("v1/referrals/\(id)"), token: setup.policeToken, contentType: nil)
        #expect(seen.json["status"] as? String == "decided")
        let decision = try #require(seen.json["decision"] as? [String: Any])
        #expect(decision["outcome"] as? String == "strategy_discussion" && decision["feedback"] as? String == "A strategy discussion is being held today.")
        #expect(!seen.text.contains("Significant harm likely"))
        let late = try await Self.mashctl(database, ["rerate", id, "--rag", "green", "--reason", "too late"])
        #expect(late.status == 1 && late.stderr.contains("decided"), "a decided referral is not re-rated")

        // The audit trail, entry by entry.
        let trail = try await Self.list(Self.mashctl(database, ["audit", "--referral", id, "--format", "json"]))
        #expect(trail.map { $0["action"] as? String } == ["claim", "view", "view", "rerate", "decide", "view"])
        #expect(trail.map { $0["actor"] as? String } == [user, user, user, user, user, "agency:tvp"])
        #expect(trail.map { $0["dbUser"] as? String } == [user, user, user, user, user, TestLogin.daemon.rawValue], "mashd's login wrote the API's entry")
        #expect(trail.map { ($0["detail"] as? [String: Any])?["via"] as? String } == [nil, "next", "show", nil, nil, "api"])
        #expect(trail[3]["reason"] as? String == "Mother disclosed threats")
        let change = try #require(trail[3]["detail"] as? [String: String])
        #expect(change["fromRag"] != "red" && change["toRag"] == "red" && change["toLevel"] == "4")
        #expect(trail[4]["reason"] as? String == "Significant harm likely")
        let ids = trail.compactMap { $0["id"] as? Int }
        #expect(ids == ids.sorted() && Set(ids).count == 6)
        await #expect(try Self.list(Self.mashctl(database, ["audit", "--actor", "agency:tvp", "--format", "json"])).map { $0["action"] as? String } == ["view"])
        await #expect(try Self.list(Self.mashctl(database, ["audit", "--since", "2999-01-01", "--format", "json"])).isEmpty)
        #expect(try await Self.mashctl(database, ["audit", "verify"]).status == 0)
        _ = await daemon.terminate()
        setup.store.pool.close()
    }

    @Test func twoCoordinatorsClaimingAtOnceNeverGetTheSameReferral() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        try await Self.seed(setup.store, count: 20)
        let database = setup.database
        let claims = try await withThrowingTaskGroup(of: [String].self) { group in
            for worker in ["alice", "bob"] {
                group.addTask {
                    var claimed: [String] = []
                    for _ in 0..<12 {
                        let result = try await Self.mashctl(database, ["next", "mash-screening", "--worker", worker, "--format", "json"])
                        guard result.status == 0 else { throw TestFailure("next failed: \(result.stderr)") }
                        if let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8), options: .fragmentsAllowed) as? [String: Any] {
                            claimed.append(try #require(object["id"] as? String))
                        }
                    }
                    return claimed
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let all = claims.flatMap { $0 }
        #expect(all.count == 20, "every referral claimed")
        #expect(Set(all).count == 20, "none claimed twice")
        let rows = try await Self.query(setup.store, "SELECT count(*) AS n FROM referrals WHERE status = 'in_review' AND assigned_to IN ('alice', 'bob')")
        #expect(try rows[0].require(Int.self, "n") == 20)
        setup.store.pool.close()
    }

    @Test func theAuditLogIsAppendOnlyAndAnAlteredEntryIsNamed() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        try await Self.seed(setup.store, count: 3)
        let database = setup.database
        for _ in 0..<3 { #expect(try await Self.mashctl(database, ["next", "mash-screening"]).status == 0) }
        let intact = try await Self.json(Self.mashctl(database, ["audit", "verify", "--format", "json"]))
        #expect(intact["entries"] as? Int == 6 && intact["intact"] as? Bool == true)

        // No one may change it, its owner included...
        await #expect(throws: PostgresError.self) { _ = try await Self.query(setup.store, "UPDATE audit_log SET reason = 'tidied' WHERE id = 2") }
        await #expect(throws: PostgresError.self) { _ = try await Self.query(setup.store, "DELETE FROM audit_log WHERE id = 2") }
        await #expect(throws: PostgresError.self) { _ = try await Self.query(setup.store, "TRUNCATE audit_log") }
        // ...but a superuser can switch the triggers off: the chain then names the entry.
        try await setup.store.pool.withConnection { connection in
            try connection.transaction {
                try connection.query("SET LOCAL session_replication_role = replica")
                try connection.query("UPDATE audit_log SET actor = 'someone-else' WHERE id = 3")
            }
        }
        let altered = try await Self.mashctl(database, ["audit", "verify", "--format", "json"])
        #expect(altered.status == 1)
        #expect(altered.stderr.contains("audit entry 3 does not hold") && altered.stderr.contains("altered"), "\(altered.stderr)")
        #expect((try JSONSerialization.jsonObject(with: Data(altered.stdout.utf8)) as? [String: Any])?["firstBrokenEntry"] as? Int == 3)

        // Put back, verified again; then an entry removed breaks the link of the next.
        try await setup.store.pool.withConnection { connection in
            try connection.transaction {
                try connection.query("SET LOCAL session_replication_role = replica")
                try connection.query("UPDATE audit_log SET actor = db_user WHERE id = 3")
                #expect(try connection.query("SELECT count(*) AS n FROM audit_log WHERE actor <> db_user")[0].require(Int.self, "n") == 0)
            }
        }
        #expect(try await Self.mashctl(database, ["audit", "verify"]).status == 0)
        try await setup.store.pool.withConnection { connection in
            try connection.transaction {
                try connection.query("SET LOCAL session_replication_role = replica")
                try connection.query("DELETE FROM audit_log WHERE id = 4")
            }
        }
        let removed = try await Self.mashctl(database, ["audit", "verify"])
        #expect(removed.status == 1 && removed.stderr.contains("audit entry 5 does not hold") && removed.stderr.contains("removed"), "\(removed.stderr)")
        setup.store.pool.close()
    }

    @Test func caseloadsFlagWorkersOverTheLimitAndHandoverMovesEveryOpenReferralAudited() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        try await Self.seed(setup.store, count: 5)
        let database = setup.database
        #expect(try await Self.mashctl(database, ["hub", "update", "mash-screening", "--worker-limit", "2"], as: .ops).status == 0)
        for _ in 0..<3 { #expect(try await Self.mashctl(database, ["next", "mash-screening", "--worker", "Leaving Worker"]).status == 0) }
        let waiting = try #require(try await Self.query(setup.store, "SELECT id::text AS id FROM referrals WHERE status = 'queued' LIMIT 1").first?.require(String.self, "id"))
        let assigned = try await Self.mashctl(database, ["assign", waiting, "--worker", "Leaving Worker", "--format", "json"])
        #expect(assigned.stderr.contains("over the limit of 2"))
        #expect(try Self.json(assigned)["caseload"] as? Int == 4)

        let loads = try await Self.json(Self.mashctl(database, ["caseloads", "--hub", "mash-screening", "--format", "json"]))
        let worker = try #require((loads["workers"] as? [[String: Any]])?.first)
        #expect(worker["worker"] as? String == "Leaving Worker" && worker["open"] as? Int == 4 && worker["overLimit"] as? Bool == true)
        #expect((loads["hubs"] as? [[String: Any]])?.first?["open"] as? Int == 5)
        #expect((loads["hubs"] as? [[String: Any]])?.first?["overCapacity"] as? Bool == false)
        #expect(try await Self.mashctl(database, ["hub", "update", "mash-screening", "--capacity", "4"], as: .ops).status == 0)
        let full = try await Self.json(Self.mashctl(database, ["caseloads", "--hub", "mash-screening", "--format", "json"]))
        #expect((full["hubs"] as? [[String: Any]])?.first?["overCapacity"] as? Bool == true, "5 open against a capacity of 4")
        let listed = try await Self.list(Self.mashctl(database, ["hub", "list", "--format", "json"], as: .ops)).first { $0["id"] as? String == "mash-screening" }
        #expect(listed?["open"] as? Int == 5 && listed?["capacity"] as? Int == 4 && listed?["workerLimit"] as? Int == 2)

        let moved = try await Self.list(Self.mashctl(database, ["handover", "--from", "Leaving Worker", "--to", "New Worker", "--format", "json"]))
        #expect(moved.count == 4)
        let after = try await Self.json(Self.mashctl(database, ["caseloads", "--format", "json"]))
        #expect((after["workers"] as? [[String: Any]])?.map { $0["worker"] as? String } == ["New Worker"])
        let handovers = try await Self.list(Self.mashctl(database, ["audit", "--format", "json"])).filter { $0["action"] as? String == "handover" }
        #expect(Set(handovers.compactMap { $0["referral"] as? String }) == Set(moved.compactMap { $0["id"] as? String }))
        setup.store.pool.close()
    }

    @Test func historyExportAndRouteFollowTheChildAndAreAuditedAndOutputMindsTheTerminal() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        let thresholds = try await TestIntake.prepare(setup.store)
        let database = setup.database, nhs = Fixtures.nhsNumber(700), other = Fixtures.nhsNumber(701)
        var ids: [String] = []
        for (reference, number) in [("H-1", nhs), ("H-2", other), ("H-3", nhs)] {
            let document = String(decoding: Fixtures.referral(reference: reference, familyName: "Chrono", nhsNumber: number), as: UTF8.self)
            guard case .created(let ack) = try await setup.store.accept(
                agencyID: "tvp", agencyKind: .police, referral: try TestIntake.referral(reference: reference, familyName: "Chrono", nhsNumber: number),
                document: document, warnings: [], thresholds: thresholds
            ) else { throw TestFailure("\(reference) not created") }
            ids.append(ack.id.uuidString.lowercased())
        }
        // Both ways of naming the child find the same chronology, oldest first.
        let byNHS = try await Self.list(Self.mashctl(database, ["history", "--nhs", nhs, "--format", "json"]))
        #expect(byNHS.map { $0["id"] as? String } == [ids[0], ids[2]])
        let byChild = try await Self.list(Self.mashctl(database, ["history", "--child", "\(ids[2]):1", "--format", "json"]))
        #expect(byChild.map { $0["id"] as? String } == [ids[0], ids[2]])
        let noSuchChild = try await Self.mashctl(database, ["history", "--child", "\(ids[2]):2"])
        #expect(noSuchChild.status == 1 && noSuchChild.stderr.contains("names 1 child"))
        #expect(try await Self.mashctl(database, ["history", "--nhs", "123"]).status == 64)

        let bundle = FileManager.default.temporaryDirectory.appendingPathComponent("sar-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: bundle) }
        #expect(try await Self.mashctl(database, ["export", "--nhs", nhs, "--output", bundle.path]).status == 0)
        let exported = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: bundle)) as? [String: Any])
        let files = try #require(exported["referrals"] as? [[String: Any]])
        #expect(files.map { ($0["document"] as? [String: Any])?["reference"] as? String } == ["H-1", "H-3"])

        // Re-routing: into the other hub's inbox, with its reason, refused for a hub that does not exist.
        let routed = try await Self.json(Self.mashctl(database, ["route", ids[0], "--hub", "lado", "--reason", "Allegation against a teacher", "--format", "json"]))
        #expect(routed["hub"] as? String == "lado" && routed["status"] as? String == "queued")
        let nowhere = try await Self.mashctl(database, ["route", ids[0], "--hub", "nowhere", "--reason", "test"])
        #expect(nowhere.status == 1 && nowhere.stderr.contains("there is no hub nowhere"))

        let trail = try await Self.list(Self.mashctl(database, ["audit", "--referral", ids[0], "--format", "json"]))
        #expect(trail.map { $0["action"] as? String } == ["view", "view", "export", "route"])
        #expect(trail.map { ($0["detail"] as? [String: Any])?["via"] as? String } == ["history", "history", "export", nil])
        #expect((trail[3]["detail"] as? [String: String])?["toHub"] == "lado" && trail[3]["reason"] as? String == "Allegation against a teacher")
        await #expect(try Self.list(Self.mashctl(database, ["audit", "--referral", ids[1], "--format", "json"])).isEmpty, "the other child's referral was not looked at")

        // Terminal manners: tables fit COLUMNS; no colour when not at a terminal.
        let mashctl = try DaemonProcess.binary("mashctl").path
        let narrow = try await CLI.run(argv: ["/usr/bin/env", "COLUMNS=80", mashctl, "inbox", "lado", "--database-url", database.connectionString(as: .coordinator)])
        #expect(narrow.status == 0)
        #expect(narrow.stdout.split(separator: "\n").allSatisfy { $0.count <= 80 }, "\(narrow.stdout)")
        #expect(narrow.stdout.contains("…") && !narrow.stdout.contains("\u{1B}["))
        setup.store.pool.close()
    }

    @Test func aReferralRoutedToAHubWakesAConsumerLongPollingItsInbox() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        try await Self.seed(setup.store, count: 1, hub: "early-help")
        let id = try #require(try await Self.query(setup.store, "SELECT id::text AS id FROM referrals").first?.require(String.self, "id"))
        let engine = try await TestIntake.prepare(setup.store).engine
        let daemon = try await DaemonProcess(database: setup.database)
        let started = ContinuousClock.now
        async let waiting = DeliveryTests.lease(daemon, setup.hubToken, wait: 20)
        try await Task.sleep(for: .milliseconds(300))
        // The store's route, as `mashctl route` runs it (the command is tested above):
        // no process to start, so that a loaded machine cannot blur woken and polled.
        let routed = try await setup.store.route(referral: try #require(UUID(uuidString: id)), to: DeliveryTests.hub, reason: "Screening first", engine: engine)
        #expect(routed.triage?.hub == DeliveryTests.hub)
        let leased = try await waiting
        #expect(leased.leases.map(\.referralID) == [id])
        // Woken by the route's notification, not by the 5 s safety poll.
        #expect(ContinuousClock.now - started < .seconds(4))
        _ = await daemon.terminate()
        setup.store.pool.close()
    }

    @Test func everyCommandHasHelpWithExamplesAndShellCompletionIsGenerated() async throws {
        let commands = [["next"], ["show"], ["rerate"], ["route"], ["decide"], ["assign"], ["handover"], ["caseloads"], ["overdue"],
                        ["history"], ["report"], ["audit", "list"], ["audit", "verify"], ["export"], ["inbox"], ["migrate"], ["status"],
                        ["agency", "add"], ["agency", "list"], ["agency", "disable"], ["hub", "add"], ["hub", "list"], ["hub", "update"],
                        ["token", "issue"], ["token", "list"], ["token", "revoke"], ["quarantine", "list"], ["quarantine", "show"],
                        ["rules", "check"], ["rules", "apply"], ["rules", "show"], ["rules", "explain"],
                        ["retention", "run"], ["retention", "hold"], ["retention", "release"], ["retention", "holds"]]
        for command in commands {
            let help = try await CLI.run("mashctl", command + ["--help"])
            #expect(help.status == 0 && help.stdout.contains("mashctl \(command[0])") && help.stdout.lowercased().contains("example"), "\(command)")
        }
        let completion = try await CLI.run("mashctl", ["--generate-completion-script", "bash"])
        #expect(completion.status == 0 && completion.stdout.contains("handover") && completion.stdout.contains("rerate"))
    }

    /// A month seeded with known figures, worked out by hand below.
    @Test func theReportMatchesAHandComputedMonthAndItsHTMLIsOneWellFormedFileWithCharts() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        let database = setup.database
        try await Self.seed(setup.store, count: 5, prefix: "M-")
        // All but E arrive on Monday 5 October 2026 at 10:00 London time; one working
        // day later is Tuesday 10:00 (09:00Z).
        //     agency hub             decided          due              outcome      warnings earlier referral
        // A   tvp    mash-screening  Tue 08:00Z       Mon 13:00Z        nfa          2        100 days before
        // B   tvp    mash-screening  Mon 12:00Z       Mon 13:00Z        early_help   0        400 days before
        // C   tvp    early-help      -                Thu 8 Oct         -            1        -
        // D   nhs    early-help      Thu 8 Oct 09:00Z Fri 9 Oct         nfa          0        200 days before
        // E   tvp    mash-screening  received 2 November: outside the period
        let rows: [(String, String, String, String?, String, String?, Int, Int?)] = [
            ("M-1", "tvp", "mash-screening", "2026-10-06T08:00:00Z", "2026-10-05T13:00:00Z", "nfa", 2, 100),
            ("M-2", "tvp", "mash-screening", "2026-10-05T12:00:00Z", "2026-10-05T13:00:00Z", "early_help", 0, 400),
            ("M-3", "tvp", "early-help", nil, "2026-10-08T09:00:00Z", nil, 1, nil),
            ("M-4", "nhs", "early-help", "2026-10-08T09:00:00Z", "2026-10-09T09:00:00Z", "nfa", 0, 200),
        ]
        for (reference, agency, hub, decidedAt, due, outcome, warnings, daysBefore) in rows {
            _ = try await Self.query(setup.store, """
                UPDATE referrals SET agency_id = $2, hub_id = $3, received_at = '2026-10-05T09:00:00Z', deadline = $5::timestamptz,
                       status = CASE WHEN $6::text IS NULL THEN 'queued' ELSE 'decided' END, outcome = $6, decided_at = $4::timestamptz,
                       decided_by = CASE WHEN $6::text IS NULL THEN NULL ELSE 'coordinator' END,
                       decision_reason = CASE WHEN $6::text IS NULL THEN NULL ELSE 'seeded' END,
                       warnings = (SELECT coalesce(jsonb_agg(jsonb_build_object('pointer', '/x', 'detail', 'w')), '[]') FROM generate_series(1, $7::int)),
                       last_referred_at = '2026-10-05T09:00:00Z'::timestamptz - make_interval(days => $8::int)
                WHERE reference = $1
                """, [reference, agency, hub, decidedAt, due, outcome, warnings, daysBefore])
        }
        _ = try await Self.query(setup.store, "UPDATE referrals SET received_at = '2026-11-02T09:00:00Z' WHERE reference = 'M-5'")

        let report = try await Self.json(Self.mashctl(database, ["report", "--from", "2026-10-01", "--to", "2026-11-01", "--format", "json"]))
        // Overall: 4 referrals; A, B, D decided (A and D NFA); A and D re-referrals
        // (B's earlier referral is over 12 months before). One working day: A and B
        // within, C (undecided, past it) and D not: 2 of 4. Due time: B and D met, A
        // (late) and C (undecided, past it) not: 2 of 4.
        #expect(report["referrals"] as? Int == 4 && report["decided"] as? Int == 3 && report["warnings"] as? Int == 3)
        #expect(report["decidedWithinOneWorkingDay"] as? Double == 50 && report["ragTargetMet"] as? Double == 50)
        #expect(report["reReferralRate"] as? Double == 50 && report["nfaRate"] as? Double == 66.7)
        let agencies = try #require(report["byAgency"] as? [[String: Any]])
        // tvp: A, B, C. One working day 2 of 3; due time 1 of 3 (B); re-referral 1 of
        // 3 (A); NFA 1 of 2 decided.
        let tvp = try #require(agencies.first { $0["name"] as? String == "tvp" })
        #expect(tvp["referrals"] as? Int == 3 && tvp["decidedWithinOneWorkingDay"] as? Double == 66.7 && tvp["ragTargetMet"] as? Double == 33.3)
        #expect(tvp["reReferralRate"] as? Double == 33.3 && tvp["nfaRate"] as? Double == 50 && tvp["warnings"] as? Int == 3)
        let nhs = try #require(agencies.first { $0["name"] as? String == "nhs" })
        #expect(nhs["referrals"] as? Int == 1 && nhs["decidedWithinOneWorkingDay"] as? Double == 0 && nhs["ragTargetMet"] as? Double == 100)
        let hubs = try #require(report["byHub"] as? [[String: Any]])
        let screening = try #require(hubs.first { $0["name"] as? String == "mash-screening" })
        #expect(screening["referrals"] as? Int == 2 && screening["decidedWithinOneWorkingDay"] as? Double == 100 && screening["ragTargetMet"] as? Double == 50)
        let earlyHelp = try #require(hubs.first { $0["name"] as? String == "early-help" })
        #expect(earlyHelp["referrals"] as? Int == 2 && earlyHelp["decidedWithinOneWorkingDay"] as? Double == 0 && earlyHelp["nfaRate"] as? Double == 100)
        #expect((report["byCategory"] as? [[String: Any]])?.first?["referrals"] as? Int == 4)

        let csv = try await Self.mashctl(database, ["report", "--from", "2026-10-01", "--to", "2026-11-01", "--format", "csv"]).stdout.split(separator: "\n")
        #expect(csv.first == "scope,name,referrals,decided,decidedWithinOneWorkingDay,ragTargetMet,reReferralRate,nfaRate,warnings")
        #expect(csv.dropFirst().first == "all,all,4,3,50,50,50,66.7,3")

        let html = try await Self.mashctl(database, ["report", "--from", "2026-10-01", "--to", "2026-11-01", "--format", "html"])
        #expect(html.status == 0)
        let withoutNamespaces = html.stdout.replacingOccurrences(of: "http://www.w3.org/", with: "")
        #expect(!withoutNamespaces.contains("http") && !html.stdout.contains("src=") && !html.stdout.contains("<script"), "no external assets, no scripts")
        let parser = XMLParser(data: Data(html.stdout.utf8))
        let counter = ElementCounter()
        parser.delegate = counter
        #expect(parser.parse(), "well-formed: \(parser.parserError.map(String.init(describing:)) ?? "")")
        #expect(counter.counts["svg", default: 0] >= 5 && counter.counts["rect", default: 0] >= 8)
        #expect(counter.counts["table", default: 0] >= 3)
        setup.store.pool.close()
    }
}

/// Counts the elements of an XML document by name.
final class ElementCounter: NSObject, XMLParserDelegate {
    var counts: [String: Int] = [:]
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        counts[name, default: 0] += 1
    }
}
