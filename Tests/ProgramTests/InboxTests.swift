import Foundation
import MashDomain
import MashStore
import MashTesting
import MashTriage
import Testing

/// Referrals posted to a running mashd, then read back with the built mashctl:
/// inboxes in priority order, updates that raise but never lower, `rules explain`,
/// and a newly applied threshold version used by intake.
@Suite("Inboxes, updates and explanations, end to end")
struct InboxTests {
    static let calendar = try! ThresholdParser.parse(DefaultThresholds.yaml).get().calendar

    /// `mashctl ARGUMENTS --format json --database-url URL` as `login`, parsed.
    func mashctl(_ arguments: [String], _ setup: Fixtures.Setup, as login: TestLogin = .coordinator) async throws -> Any {
        let result = try await CLI.run("mashctl", arguments + ["--format", "json", "--database-url", setup.database.connectionString(as: login)])
        #expect(result.status == 0, "mashctl \(arguments): \(result.stderr)")
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    }

    func inbox(_ hub: String, _ setup: Fixtures.Setup, _ options: [String] = []) async throws -> [[String: Any]] {
        try #require(try await mashctl(["inbox", hub] + options, setup) as? [[String: Any]])
    }

    func post(_ daemon: DaemonProcess, token: String, _ body: Data, path: String = "v1/referrals") async throws -> HTTP.Response {
        try await HTTP.send("POST", daemon.baseURL.appendingPathComponent(path), token: token, body: body)
    }

    @Test func anInboxListsItsReferralsInPriorityOrderWithTheirDeadlines() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        let daemon = try await DaemonProcess(database: setup.database)
        // Different children, so that none is a re-referral of another: domestic
        // abuse (medium risk) is green, physical abuse of a ten-year-old amber, both
        // for MASH screening at any hour.
        for (n, (reference, concern)) in [("G-1", "domestic_abuse"), ("A-1", "physical_abuse"), ("G-2", "neglect")].enumerated() {
            let response = try await post(daemon, token: setup.policeToken, Fixtures.referral(
                reference: reference, familyName: Fixtures.familyName(n), nhsNumber: Fixtures.nhsNumber(n), concern: concern
            ))
            #expect(response.status == 201, "\(response.text)")
        }

        let listed = try await inbox("mash-screening", setup)
        #expect(listed.map { $0["reference"] as? String } == ["A-1", "G-1", "G-2"], "amber first, then the greens, earliest deadline first")
        for referral in listed {
            for field in ["id", "reference", "agency", "receivedAt", "status", "level", "rag", "hub", "dueAt", "flags", "ruleId", "rulesVersion"] {
                #expect(referral[field] != nil, "CONTRACT §5 names \(field)")
            }
            #expect(referral["hub"] as? String == "mash-screening")
            #expect(referral["status"] as? String == "queued")
            #expect(referral["rulesVersion"] as? Int == 1)
            // Amber's 24 and green's 72 working hours both come after the statutory
            // one working day, so the decision deadline is the one set.
            let received = try #require((referral["receivedAt"] as? String).flatMap(RFC3339.parse))
            let due = try #require((referral["dueAt"] as? String).flatMap(RFC3339.parse))
            #expect(abs(due.timeIntervalSince(Self.calendar.adding(workingSeconds: Self.calendar.workingDaySeconds, to: received))) < 0.000_01)
        }
        #expect(listed[0]["ruleId"] as? String == "physical-abuse" && listed[0]["level"] as? Int == 3)

        await #expect(try inbox("mash-screening", setup, ["--rag", "green"]).map { $0["reference"] as? String } == ["G-1", "G-2"])
        await #expect(try inbox("mash-screening", setup, ["--overdue"]).isEmpty)
        // Time passes for G-2 only: it alone is overdue.
        try await setup.store.pool.withConnection { try $0.query("UPDATE referrals SET deadline = now() - interval '1 minute' WHERE reference = 'G-2'") }
        await #expect(try inbox("mash-screening", setup, ["--overdue"]).map { $0["reference"] as? String } == ["G-2"])
        await #expect(try inbox("early-help", setup).isEmpty)
        let status = try #require(try await mashctl(["status"], setup, as: .ops) as? [String: Any])
        let depths = try #require(status["inboxes"] as? [[String: Any]])
        #expect(depths.first { $0["hub"] as? String == "mash-screening" }.map { "\($0["open"]!)/\($0["overdue"]!)" } == "3/1")
        #expect(depths.first { $0["hub"] as? String == "early-help" }.map { "\($0["open"]!)/\($0["overdue"]!)" } == "0/0")
        #expect(status["overdue"] as? Int == 1)

        let unknown = try await CLI.run("mashctl", ["inbox", "no-such-hub", "--database-url", setup.database.connectionString(as: .coordinator)])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("there is no hub no-such-hub; `mashctl hub list` shows the hubs"))
    }

    @Test func anUpdateRaisesUrgencyAndMovesTheReferralButNeverLowersIt() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        let daemon = try await DaemonProcess(database: setup.database)
        let created = try await post(daemon, token: setup.policeToken, Fixtures.referral(reference: "U-1", nhsNumber: Fixtures.nhsNumber(10)))
        let id = try #require(created.json["id"] as? String)
        let path = "v1/referrals/\(id)/updates"
        let before = try await #require(try inbox("mash-screening", setup).first)
        #expect(before["rag"] as? String == "green")

        let danger = Data(#"{"reference": "U-1/1", "concerns": [], "immediateDanger": true, "detail": "The partner is back at the address, against his bail conditions."}"#.utf8)
        let raised = try await post(daemon, token: setup.policeToken, danger, path: path)
        #expect(raised.status == 201, "\(raised.text)")
        #expect(raised.json["referralId"] as? String == id)
        #expect(raised.json["status"] as? String == "queued")
        #expect(raised.json["level"] == nil && raised.json["rag"] == nil, "agencies never see triage internals")
        let updatedAt = try #require((raised.json["receivedAt"] as? String).flatMap(RFC3339.parse))
        // Immediate danger: level 4, red, due four hours after the update, with child
        // protection in office hours and the emergency duty team outside them.
        let hub = Self.calendar.isWorkingTime(updatedAt) ? "child-protection" : "edt"
        await #expect(try inbox("mash-screening", setup).isEmpty)
        let moved = try await #require(try inbox(hub, setup).first)
        #expect(moved["id"] as? String == id)
        #expect(moved["level"] as? Int == 4 && moved["rag"] as? String == "red" && moved["ruleId"] as? String == "immediate-danger")
        let due = try #require((moved["dueAt"] as? String).flatMap(RFC3339.parse))
        #expect(abs(due.timeIntervalSince(updatedAt) - 4 * 3_600) < 0.000_01)

        // An update that on its own would be green, and says the danger has passed:
        // taken, but the referral stays red (never lowered automatically).
        let calmer = Data(#"{"reference": "U-1/2", "concerns": [{"category": "other", "detail": "The partner has left again."}], "immediateDanger": false, "detail": "Officers confirmed he has gone."}"#.utf8)
        #expect(try await post(daemon, token: setup.policeToken, calmer, path: path).status == 201)
        let still = try await #require(try inbox(hub, setup).first)
        #expect(still["rag"] as? String == "red" && still["level"] as? Int == 4 && still["dueAt"] as? String == moved["dueAt"] as? String)

        // Idempotent on the update's reference.
        let replay = try await post(daemon, token: setup.policeToken, danger, path: path)
        #expect(replay.status == 200)
        #expect(replay.json["id"] as? String == raised.json["id"] as? String)
        // The same document in another key order and white space is the same update
        // (stored as sent, compared as jsonb), though U-1/2 was stored after it.
        let reformatted = Data(#"{"detail":"The partner is back at the address, against his bail conditions.","immediateDanger":true,"concerns":[],"reference":"U-1/1"}"#.utf8)
        let reformattedReplay = try await post(daemon, token: setup.policeToken, reformatted, path: path)
        #expect(reformattedReplay.status == 200, "\(reformattedReplay.text)")
        #expect(reformattedReplay.json["id"] as? String == raised.json["id"] as? String)
        let reused = try await post(daemon, token: setup.policeToken, calmer.replacingReference("U-1/2", with: "U-1/1"), path: path)
        #expect(reused.status == 422)
        #expect(reused.json["type"] as? String == "/problems/reference-reused")

        // Someone else's referral, or none: 404, nothing stored.
        #expect(try await post(daemon, token: setup.healthToken, calmer.replacingReference("U-1/2", with: "H/1"), path: path).status == 404)
        #expect(try await post(daemon, token: setup.policeToken, calmer, path: "v1/referrals/\(UUID().uuidString.lowercased())/updates").status == 404)

        // Every problem listed; the body quarantined.
        let broken = try await post(daemon, token: setup.policeToken, Data(#"{"reference": "bad ref", "concerns": [{"category": "nope"}], "detail": " "}"#.utf8), path: path)
        #expect(broken.status == 422)
        let pointers = Set(((broken.json["errors"] as? [[String: Any]]) ?? []).compactMap { $0["pointer"] as? String })
        #expect(pointers == ["/reference", "/concerns/0/category", "/detail"])

        // A decided referral keeps its updates but is not triaged again.
        let decision = DecisionRequest(outcome: .strategyDiscussion, reason: "Significant harm: strategy discussion today", feedback: nil)
        #expect(try await setup.store.decide(referral: UUID(uuidString: id)!, hub: nil, decision, actor: "coordinator") != .notFound)
        let late = Data(#"{"reference": "U-1/3", "concerns": [{"category": "sexual_abuse", "detail": "A disclosure at school this morning."}], "detail": "After the decision."}"#.utf8)
        let lateAnswer = try await post(daemon, token: setup.policeToken, late, path: path)
        #expect(lateAnswer.status == 201)
        #expect(lateAnswer.json["status"] as? String == "decided")
        let rows = try await setup.store.pool.withConnection { connection in
            try connection.query("SELECT reference, raised, level FROM referral_updates WHERE referral_id = $1 ORDER BY received_at", [UUID(uuidString: id)!])
                .map { (try $0.require(String.self, "reference"), try $0.require(Bool.self, "raised"), try $0.decode(Int.self, "level")) }
        }
        #expect(rows.map(\.0) == ["U-1/1", "U-1/2", "U-1/3"])
        #expect(rows.map(\.1) == [true, false, false])
        #expect(rows.map(\.2) == [4, 4, nil], "the second was triaged (level 4 with the first taken in) but raised nothing; the third not at all")
        #expect(daemon.isRunning)
    }

    @Test func rulesExplainShowsEachRuleTriedAndWhy() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        let daemon = try await DaemonProcess(database: setup.database)
        let first = try await post(daemon, token: setup.policeToken, Fixtures.referral(reference: "E-1", nhsNumber: Fixtures.nhsNumber(20)))
        let second = try await post(daemon, token: setup.healthToken, Fixtures.referral(reference: "E-2", nhsNumber: Fixtures.nhsNumber(20), concern: "neglect"))
        #expect(first.status == 201 && second.status == 201)

        // By id: the same decision intake made, with the first referral as history
        // and never the referral itself.
        let id = try #require(second.json["id"] as? String)
        let stored = try await #require(try inbox("mash-screening", setup).first { $0["id"] as? String == id })
        let explained = try #require(try await mashctl(["rules", "explain", id], setup) as? [String: Any])
        for field in ["level", "rag", "hub", "ruleId", "flags", "rulesVersion"] {
            #expect("\(explained[field] ?? "nil")" == "\(stored[field] ?? "nil")", "\(field)")
        }
        #expect(explained["priorReferrals"] as? Int == 1)
        #expect(explained["flags"] as? [String] == ["re-referral"])
        let tried = try #require(explained["rules"] as? [[String: Any]])
        #expect(tried.first { $0["id"] as? String == "immediate-danger" }?["matched"] as? Bool == false)
        #expect(tried.first { $0["id"] as? String == "immediate-danger" }?["why"] as? String == "no: immediateDanger is false")
        #expect(tried.first { $0["id"] as? String == "neglect-or-emotional-abuse" }?["matched"] as? Bool == true)
        #expect(tried.first { $0["id"] as? String == "repeat-referral" }?["why"] as? String == "yes: 1 earlier referral within 365d")

        // A file, as if it arrived on a Saturday evening: red goes out of hours, due
        // four hours later on the wall clock. Nothing is stored.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("explain-\(UUID().uuidString).json")
        try Fixtures.referral(reference: "F-1", nhsNumber: Fixtures.nhsNumber(21), immediateDanger: true).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let saturday = try #require(try await mashctl(["rules", "explain", "--file", file.path, "--agency", "tvp", "--at", "2026-11-28T19:30:00Z"], setup) as? [String: Any])
        #expect(saturday["hub"] as? String == "edt")
        #expect(saturday["outOfHours"] as? Bool == true)
        #expect(saturday["rag"] as? String == "red" && saturday["ruleId"] as? String == "immediate-danger")
        #expect(saturday["dueAt"] as? String == "2026-11-28T23:30:00.000000Z")
        #expect(try await Fixtures.count(setup.store) == 2)

        let url = ["--database-url", setup.database.connectionString(as: .coordinator)]
        let both = try await CLI.run("mashctl", ["rules", "explain", id, "--file", file.path] + url)
        #expect(both.status == 64 && both.stderr.contains("give either a referral id or --file, not both"))
        let noAgency = try await CLI.run("mashctl", ["rules", "explain", "--file", file.path] + url)
        #expect(noAgency.status == 64 && noAgency.stderr.contains("--file needs --agency"))
        let missing = try await CLI.run("mashctl", ["rules", "explain", UUID().uuidString] + url)
        #expect(missing.status == 1 && missing.stderr.contains("`mashctl inbox HUB` lists a hub's referrals"))
    }

    @Test func intakeRoutesWithANewlyAppliedVersionWithinFiveSeconds() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        let daemon = try await DaemonProcess(database: setup.database)
        // Version 2 sends what no earlier rule catches to early help.
        let revised = DefaultThresholds.yaml.replacingOccurrences(
            of: "  - id: default\n    then: {level: 2, rag: green, hub: mash-screening}",
            with: "  - id: default\n    then: {level: 2, rag: green, hub: early-help}"
        )
        #expect(revised != DefaultThresholds.yaml)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("thresholds-\(UUID().uuidString).yaml")
        try revised.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        _ = try await mashctl(["rules", "apply", file.path], setup, as: .ops)

        let deadline = ContinuousClock.now + .seconds(5)
        var routed: [String: Any]?
        var attempt = 0
        while ContinuousClock.now < deadline, routed == nil {
            attempt += 1
            // A new child each time: one referred before could go to the hub holding it.
            let response = try await post(daemon, token: setup.policeToken, Fixtures.referral(
                reference: "V-\(attempt)", familyName: Fixtures.familyName(100 + attempt), nhsNumber: Fixtures.nhsNumber(100 + attempt), concern: "other"
            ))
            #expect(response.status == 201)
            routed = try await inbox("early-help", setup).first
            if routed == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        let referral = try #require(routed, "a referral posted within 5 s of `rules apply` should be routed by version 2")
        #expect(referral["rulesVersion"] as? Int == 2)
        #expect(referral["ruleId"] as? String == "default")
    }
}

private extension Data {
    /// The same update document under another reference.
    func replacingReference(_ old: String, with new: String) -> Data {
        Data(String(decoding: self, as: UTF8.self).replacingOccurrences(of: "\"\(old)\"", with: "\"\(new)\"").utf8)
    }
}
