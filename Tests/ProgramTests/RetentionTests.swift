import Foundation
import MashDomain
import MashStore
import MashTesting
import Postgres
import Testing

/// The retention policy through the built `mashctl` against a real database:
/// what a run deletes and keeps, its audit trail, legal holds, one run at a time,
/// and a policy it refuses.
@Suite("Retention and legal hold, end to end")
struct RetentionTests {
    /// mashctl as the retention job runs it: a login granted mash_ops.
    static func mashctl(_ database: TestDatabase, _ arguments: [String]) async throws -> CLI.Result {
        try await DeskTests.mashctl(database, arguments, as: .ops)
    }

    static func query(_ store: Store, _ sql: String, _ parameters: [(any PostgresEncodable)?] = []) async throws -> [PostgresRow] {
        try await DeskTests.query(store, sql, parameters)
    }

    /// A configuration file with a `retention:` section (and a setting mashctl ignores).
    static func configFile(_ retention: String) throws -> URL {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("mashd-\(UUID().uuidString).yaml")
        try Data("port: 8443\nretention:\n\(retention)".utf8).write(to: file)
        return file
    }

    /// A referral taken in by intake (so with its child), with an update and a lease
    /// in its delivery history, decided `outcome` `daysAgo` days ago; nil: left open,
    /// received ten years ago.
    static func referral(
        _ setup: Fixtures.Setup, _ thresholds: IntakeThresholds, _ reference: String, nhs: Int, outcome: ScreeningOutcome?, daysAgo: Int = 0
    ) async throws -> UUID {
        let number = Fixtures.nhsNumber(nhs)
        guard case .created(let ack) = try await setup.store.accept(
            agencyID: "tvp", agencyKind: .police, referral: try TestIntake.referral(reference: reference, familyName: "Retained", nhsNumber: number),
            document: String(decoding: Fixtures.referral(reference: reference, familyName: "Retained", nhsNumber: number), as: UTF8.self),
            warnings: [], thresholds: thresholds
        ) else { throw TestFailure("\(reference) not created") }
        _ = try await query(setup.store, "INSERT INTO referral_updates (referral_id, reference, document) VALUES ($1, 'U-' || $2, '{}')", [ack.id, reference])
        _ = try await query(setup.store, """
            INSERT INTO referral_events (referral_id, event, hub_id, actor) SELECT id, 'leased', hub_id, 'hub:test' FROM referrals WHERE id = $1
            """, [ack.id])
        guard let outcome else {
            _ = try await query(setup.store, "UPDATE referrals SET received_at = now() - interval '10 years' WHERE id = $1", [ack.id])
            return ack.id
        }
        guard case .decided = try await setup.store.decide(
            referral: ack.id, hub: nil, DecisionRequest(outcome: outcome, reason: "Seeded decision", feedback: nil), actor: nil
        ) else { throw TestFailure("\(reference) not decided") }
        _ = try await query(setup.store, "UPDATE referrals SET decided_at = now() - make_interval(days => $2::int) WHERE id = $1", [ack.id, daysAgo])
        return ack.id
    }

    /// How many rows each table keeps about a referral: `referrals` and every table
    /// with a `referral_id` column.
    static func rows(_ store: Store, about id: UUID) async throws -> [String: Int] {
        var rows = ["referrals": try await query(store, "SELECT count(*) AS n FROM referrals WHERE id = $1", [id])[0].require(Int.self, "n")]
        for table in try await referralTables(store) {
            rows[table] = try await query(store, "SELECT count(*) AS n FROM \(table) WHERE referral_id = $1", [id])[0].require(Int.self, "n")
        }
        return rows
    }

    static func referralTables(_ store: Store) async throws -> [String] {
        try await query(store, """
            SELECT table_name::text AS name FROM information_schema.columns
            WHERE table_schema = 'public' AND column_name = 'referral_id' ORDER BY 1
            """).map { try $0.require(String.self, "name") }
    }

    /// `run`'s rows by record type.
    static func outcomes(_ result: CLI.Result) async throws -> [String: [String: Any]] {
        let list = try await DeskTests.list(result)
        return Dictionary(uniqueKeysWithValues: list.map { ($0["recordType"] as? String ?? "", $0) })
    }

    static func counts(_ outcomes: [String: [String: Any]]) -> [String: [Int?]] {
        outcomes.mapValues { [$0["purged"] as? Int, $0["held"] as? Int] }
    }

    @Test func aRunDeletesWhatThePolicyNoLongerKeepsFromEveryTableAuditsEachPurgeAndKeepsWhatIsHeld() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        let database = setup.database, store = setup.store
        let thresholds = try await TestIntake.prepare(store)
        // nfaReferrals 2y, decidedReferrals 6y, deliveryHistory 1y, quarantine 30d.
        let nfaLongAgo = try await Self.referral(setup, thresholds, "R-A", nhs: 900, outcome: .nfa, daysAgo: 3 * 365)
        let decidedLongAgo = try await Self.referral(setup, thresholds, "R-B", nhs: 901, outcome: .earlyHelp, daysAgo: 7 * 365)
        let nfaLastYear = try await Self.referral(setup, thresholds, "R-C", nhs: 902, outcome: .nfa, daysAgo: 18 * 30)
        let decidedRecently = try await Self.referral(setup, thresholds, "R-D", nhs: 903, outcome: .strategyDiscussion, daysAgo: 30)
        let open = try await Self.referral(setup, thresholds, "R-E", nhs: 904, outcome: nil)
        let held = try await Self.referral(setup, thresholds, "R-F", nhs: 905, outcome: .nfa, daysAgo: 3 * 365)
        for (body, daysAgo) in [("old", 40), ("new", 10)] {
            try await store.quarantine(agencyID: "tvp", contentType: "application/json", body: Array(body.utf8), httpStatus: 400, problems: [])
            _ = try await Self.query(store, "UPDATE quarantine SET received_at = now() - make_interval(days => $2::int) WHERE body = $1::bytea",
                                     [ByteA(Array(body.utf8)), daysAgo])
        }
        let config = try Self.configFile("  nfaReferrals: 2y\n  quarantine: 30d\n  audit: never\n")
        defer { try? FileManager.default.removeItem(at: config) }

        // Every table that keeps something about a referral is one the purge knows.
        #expect(try await Self.referralTables(store) == ["audit_log", "legal_holds", "referral_children", "referral_events", "referral_updates"],
                "a new table keeping something about a referral: Retention.swift's referralTables must delete it with the referral, or say why it stays")
        let before = try await Self.rows(store, about: nfaLongAgo)
        #expect(before == ["referrals": 1, "referral_children": 1, "referral_updates": 1, "referral_events": 2, "legal_holds": 0, "audit_log": 1], "\(before)")

        // A legal hold: reason required, audited, placed once.
        #expect(try await Self.mashctl(database, ["retention", "hold", held.uuidString]).status == 64, "a reason is required")
        let placed = try await DeskTests.json(Self.mashctl(database, ["retention", "hold", held.uuidString, "--reason", "Care proceedings LA-114", "--format", "json"]))
        #expect(placed["placed"] as? Bool == true && placed["reason"] as? String == "Care proceedings LA-114")
        let again = try await DeskTests.json(Self.mashctl(database, ["retention", "hold", held.uuidString, "--reason", "Another matter", "--format", "json"]))
        #expect(again["placed"] as? Bool == false && again["reason"] as? String == "Care proceedings LA-114", "held already: the first hold stands")
        let nobody = try await Self.mashctl(database, ["retention", "hold", UUID().uuidString, "--reason", "x"])
        #expect(nobody.status == 1 && nobody.stderr.contains("there is no referral"))

        // A dry run counts and deletes nothing.
        let everything = try await Self.query(store, """
            SELECT (SELECT count(*) FROM referrals) + (SELECT count(*) FROM referral_children) + (SELECT count(*) FROM referral_updates)
                 + (SELECT count(*) FROM referral_events) + (SELECT count(*) FROM quarantine) AS n
            """)[0].require(Int.self, "n")
        let dry = try await Self.mashctl(database, ["retention", "run", "--dry-run", "--config", config.path, "--format", "json"])
        let expected: [String: [Int?]] = [
            "nfaReferrals": [1, 1], "decidedReferrals": [1, 0], "deliveryHistory": [1, 0], "quarantine": [1, nil], "audit": [0, nil],
        ]
        await #expect(Self.counts(try Self.outcomes(dry)) == expected)
        #expect(dry.stderr.contains("dry run"))
        #expect(try await Self.query(store, """
            SELECT (SELECT count(*) FROM referrals) + (SELECT count(*) FROM referral_children) + (SELECT count(*) FROM referral_updates)
                 + (SELECT count(*) FROM referral_events) + (SELECT count(*) FROM quarantine) AS n
            """)[0].require(Int.self, "n") == everything)
        await #expect(try DeskTests.list(Self.mashctl(database, ["audit", "--format", "json"])).allSatisfy { $0["action"] as? String != "purge" })

        // The run does what the dry run counted.
        let ran = try await Self.outcomes(Self.mashctl(database, ["retention", "run", "--config", config.path, "--format", "json"]))
        #expect(Self.counts(ran) == expected)
        #expect(ran["nfaReferrals"]?["period"] as? String == "2y" && ran["audit"]?["cutoff"] is NSNull && ran["quarantine"]?["dryRun"] as? Bool == false)
        for gone in [nfaLongAgo, decidedLongAgo] {
            let rows = try await Self.rows(store, about: gone)
            #expect(rows.filter { $0.key != "audit_log" }.values.allSatisfy { $0 == 0 }, "\(rows)")
        }
        // Decided last year: the delivery history goes, the referral stays; recent, open and held ones are untouched.
        #expect(try await Self.rows(store, about: nfaLastYear) == ["referrals": 1, "referral_children": 1, "referral_updates": 1, "referral_events": 0, "legal_holds": 0, "audit_log": 2])
        #expect(try await Self.rows(store, about: decidedRecently)["referral_events"] == 2)
        #expect(try await Self.rows(store, about: open)["referrals"] == 1)
        #expect(try await Self.rows(store, about: held) == ["referrals": 1, "referral_children": 1, "referral_updates": 1, "referral_events": 2, "legal_holds": 1, "audit_log": 2])
        #expect(try await Self.query(store, "SELECT convert_from(body, 'UTF8') AS body FROM quarantine").map { try $0.require(String.self, "body") } == ["new"])

        // Each purge audited with its rule, and no personal data; the chain still holds.
        let audit = try await DeskTests.list(Self.mashctl(database, ["audit", "--format", "json"]))
        let purges = audit.filter { $0["action"] as? String == "purge" }
        let rules = Dictionary(uniqueKeysWithValues: purges.map { ($0["referral"] as? String ?? "-", ($0["detail"] as? [String: Any])?["rule"] as? String) })
        #expect(rules == [nfaLongAgo.uuidString.lowercased(): "nfaReferrals", decidedLongAgo.uuidString.lowercased(): "decidedReferrals",
                          nfaLastYear.uuidString.lowercased(): "deliveryHistory", "-": "quarantine"])
        let purgeText = try await Self.mashctl(database, ["audit", "--format", "json"]).stdout
        #expect(purges.allSatisfy { ($0["reason"] as? String)?.hasPrefix("retention policy: ") == true })
        #expect(!purgeText.contains("Retained") && !purgeText.contains(Fixtures.nhsNumber(900)) && !purgeText.contains(Fixtures.canaryName))
        #expect((purges.first { $0["referral"] as? String == nfaLastYear.uuidString.lowercased() }?["detail"] as? [String: Any])?["deliveryEvents"] as? String == "2")
        #expect(try await Self.mashctl(database, ["audit", "verify"]).status == 0)

        // Again: nothing more is due; the held referral is still counted.
        let second = try await Self.outcomes(Self.mashctl(database, ["retention", "run", "--config", config.path, "--format", "json"]))
        #expect(Self.counts(second) == ["nfaReferrals": [0, 1], "decidedReferrals": [0, 0], "deliveryHistory": [0, 0], "quarantine": [0, nil], "audit": [0, nil]])

        // Released (reason required, audited), the held referral goes at the next run.
        await #expect(try DeskTests.list(Self.mashctl(database, ["retention", "holds", "--format", "json"])).map { $0["referral"] as? String } == [held.uuidString.lowercased()])
        #expect(try await Self.mashctl(database, ["retention", "release", held.uuidString]).status == 64)
        #expect(try await Self.mashctl(database, ["retention", "release", held.uuidString, "--reason", "Proceedings concluded"]).status == 0)
        let notHeld = try await Self.mashctl(database, ["retention", "release", held.uuidString, "--reason", "again"])
        #expect(notHeld.status == 1 && notHeld.stderr.contains("not under legal hold"))
        await #expect(try DeskTests.list(Self.mashctl(database, ["retention", "holds", "--format", "json"])).isEmpty)
        let third = try await Self.outcomes(Self.mashctl(database, ["retention", "run", "--config", config.path, "--format", "json"]))
        #expect(Self.counts(third)["nfaReferrals"] == [1, 0])
        #expect(try await Self.rows(store, about: held).filter { $0.key != "audit_log" }.values.allSatisfy { $0 == 0 })
        let trail = try await DeskTests.list(Self.mashctl(database, ["audit", "--referral", held.uuidString, "--format", "json"]))
        #expect(trail.map { $0["action"] as? String } == ["decide", "hold", "release", "purge"])
        #expect(trail.map { $0["reason"] as? String }.dropFirst().dropLast() == ["Care proceedings LA-114", "Proceedings concluded"])
        #expect(try await Self.mashctl(database, ["audit", "verify"]).status == 0)
        store.pool.close()
    }

    @Test func aChildsReferralsAreHeldTogetherByNHSNumberAndADryRunCountsThem() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        let thresholds = try await TestIntake.prepare(setup.store)
        let first = try await Self.referral(setup, thresholds, "K-1", nhs: 910, outcome: .nfa, daysAgo: 3 * 365)
        let second = try await Self.referral(setup, thresholds, "K-2", nhs: 910, outcome: .advice, daysAgo: 7 * 365)
        let other = try await Self.referral(setup, thresholds, "K-3", nhs: 911, outcome: .nfa, daysAgo: 3 * 365)
        let nhs = Fixtures.nhsNumber(910)
        let holds = try await DeskTests.list(Self.mashctl(setup.database, ["retention", "hold", "--nhs", nhs, "--reason", "Subject access request SAR-31", "--format", "json"]))
        #expect(Set(holds.compactMap { $0["referral"] as? String }) == Set([first, second].map { $0.uuidString.lowercased() }))
        #expect(try await Self.mashctl(setup.database, ["retention", "hold", first.uuidString, "--nhs", nhs, "--reason", "x"]).status == 64, "an id or --nhs, not both")

        let csv = try await Self.mashctl(setup.database, ["retention", "run", "--dry-run", "--format", "csv"]).stdout.split(separator: "\n")
        #expect(csv.first == "recordType,period,cutoff,purged,held" && csv.count == 6)
        #expect(csv.dropFirst().map { $0.split(separator: ",").enumerated().filter { $0.offset != 2 }.map(\.element).joined(separator: ",") } == [
            "nfaReferrals,2y,1,1", "decidedReferrals,6y,0,1", "deliveryHistory,1y,0,0", "quarantine,30d,0,-", "audit,never,0,-",
        ])
        let ran = try await Self.outcomes(Self.mashctl(setup.database, ["retention", "run", "--format", "json"]))
        #expect(ran["nfaReferrals"]?["purged"] as? Int == 1 && ran["nfaReferrals"]?["held"] as? Int == 1 && ran["decidedReferrals"]?["held"] as? Int == 1)
        #expect(try await Self.rows(setup.store, about: other)["referrals"] == 0)
        let released = try await DeskTests.list(Self.mashctl(setup.database, ["retention", "release", "--nhs", nhs, "--reason", "SAR-31 answered", "--format", "json"]))
        #expect(released.count == 2)
        let audit = try await DeskTests.list(Self.mashctl(setup.database, ["audit", "--format", "json"]))
        #expect(audit.filter { ["hold", "release"].contains($0["action"] as? String) }.allSatisfy {
            ($0["detail"] as? [String: Any])?["scope"] as? String == "child" && !"\($0)".contains(nhs)
        })
        setup.store.pool.close()
    }

    @Test func oneRunAtATimeAndTwoAtOnceNeverPurgeARecordTwice() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        let database = setup.database, store = setup.store
        try await DeskTests.seed(store, count: 40, prefix: "C-")
        _ = try await Self.query(store, """
            UPDATE referrals SET status = 'decided', outcome = 'nfa', decided_at = now() - interval '3 years', decided_by = 'seed', decision_reason = 'seeded'
            """)
        // While another run holds the lock, a run does nothing and says so.
        let other = database.pool(maxConnections: 1)
        try await other.withConnection { try $0.query("SELECT pg_advisory_lock(1835102568, 2)") }
        let blocked = try await Self.mashctl(database, ["retention", "run", "--format", "json"])
        #expect(blocked.status == 0 && blocked.stderr.contains("another retention run is in progress") && blocked.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]")
        #expect(try await Fixtures.count(store) == 40)
        try await other.withConnection { try $0.query("SELECT pg_advisory_unlock(1835102568, 2)") }
        other.close()

        // Two at once: every referral purged once, whichever run took it.
        let purged = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    let result = try await Self.mashctl(database, ["retention", "run", "--format", "json"])
                    guard result.status == 0 else { throw TestFailure("run failed: \(result.stderr)") }
                    return try await Self.outcomes(result)["nfaReferrals"]?["purged"] as? Int ?? 0
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(purged == 40)
        #expect(try await Fixtures.count(store) == 0)
        let entries = try await Self.query(store, "SELECT count(*) AS n, count(DISTINCT referral_id) AS distinct_referrals FROM audit_log WHERE action = 'purge'")[0]
        #expect(try entries.require(Int.self, "n") == 40 && entries.require(Int.self, "distinct_referrals") == 40)
        #expect(try await Self.mashctl(database, ["audit", "verify"]).status == 0)
        store.pool.close()
    }

    @Test func aPolicyItCannotAcceptStopsTheRunNamingEveryBadKey() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        try await DeskTests.seed(setup.store, count: 1)
        _ = try await Self.query(setup.store, """
            UPDATE referrals SET status = 'decided', outcome = 'nfa', decided_at = now() - interval '30 years', decided_by = 'seed', decision_reason = 'seeded'
            """)
        let bad = try Self.configFile("  nfaReferrals: 26w\n  quarantine: 30 days\n  audit: 7y\n  nfaReferal: 2y\n")
        let notAMapping = try Self.configFile("  - 30d\n")
        defer { [bad, notAMapping].forEach { try? FileManager.default.removeItem(at: $0) } }

        let refused = try await Self.mashctl(setup.database, ["retention", "run", "--config", bad.path])
        #expect(refused.status == 1)
        #expect(refused.stderr.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count == 1, "one line: \(refused.stderr)")
        for key in ["retention.nfaReferrals: must be at least 1y", "retention.quarantine", "retention.audit: can only be never", "retention.nfaReferal"] {
            #expect(refused.stderr.contains(key), "\(key) in \(refused.stderr)")
        }
        #expect(try await Self.mashctl(setup.database, ["retention", "run", "--config", notAMapping.path]).stderr.contains("retention: must be a mapping of settings"))
        let missing = try await Self.mashctl(setup.database, ["retention", "run", "--config", "/nonexistent/mashd.yaml"])
        #expect(missing.status == 1 && missing.stderr.contains("cannot read the configuration file /nonexistent/mashd.yaml"))
        #expect(try await Fixtures.count(setup.store) == 1, "nothing deleted under a policy refused")
        setup.store.pool.close()
    }
}
