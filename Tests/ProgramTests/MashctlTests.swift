import Foundation
import MashStore
import MashTesting
import Testing

@Suite("mashctl against a real database")
struct MashctlTests {
    @Test func rulesCheckListsEveryProblemByLineAndAcceptsTheDefaultDocument() async throws {
        let database = try await TestCluster.freshDatabase()
        let url = ["--database-url", database.connectionString(as: .ops)]
        for hub in ["mash-screening", "early-help", "child-protection", "children-in-need", "lado", "edt"] {
            #expect(try await CLI.run("mashctl", ["hub", "add", hub, "--name", hub] + url).status == 0)
        }
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let defaultDocument = repository.appendingPathComponent("config/thresholds.yaml").path
        let good = try await CLI.run("mashctl", ["rules", "check", defaultDocument, "--format", "json"] + url)
        #expect(good.status == 0, "\(good.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(good.stdout.utf8)) as? [String: Any])
        #expect(summary["rules"] as? Int == 19)
        #expect(summary["timezone"] as? String == "Europe/London")

        // The same document with a hub the database does not have and a bad duration.
        let broken = try String(contentsOfFile: defaultDocument, encoding: .utf8)
            .replacingOccurrences(of: "then: {level: 3, rag: amber, hub: lado}", with: "then: {level: 3, rag: amber, hub: ladoo}")
            .replacingOccurrences(of: "amber: {within: 24h,", with: "amber: {within: 24 hours,")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("thresholds-\(UUID().uuidString).yaml")
        try broken.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let bad = try await CLI.run("mashctl", ["rules", "check", file.path, "--format", "json"] + url)
        #expect(bad.status == 1)
        #expect(bad.stderr.trimmingCharacters(in: .whitespacesAndNewlines) == "Error: 2 problems in \(file.path)")
        let problems = try #require(try JSONSerialization.jsonObject(with: Data(bad.stdout.utf8)) as? [[String: Any]])
        #expect(problems.map { $0["line"] as? Int } == [15, 27])
        #expect((problems.first?["problem"] as? String)?.hasPrefix("targets.amber.within: '24 hours' is not a duration") == true)
        #expect((problems.last?["problem"] as? String)?.hasPrefix("rule 'allegation-against-professional': hub: 'ladoo' is not a known hub") == true)
    }

    @Test func agenciesHubsAndTokensAreManagedFromTheCommandLine() async throws {
        let database = try await TestCluster.freshDatabase()
        let url = ["--database-url", database.connectionString(as: .ops)]
        // The owner migrates; an operator's login administers.
        let owner = ["--database-url", database.connectionString]

        let migrate = try await CLI.run("mashctl", ["migrate"] + owner)
        #expect(migrate.status == 0)
        #expect(migrate.stdout.contains("nothing to apply"))
        // CONTRACT §1 puts the connection options before the subcommand.
        #expect(try await CLI.run("mashctl", owner + ["migrate"]).stdout.contains("nothing to apply"))
        #expect(try await CLI.run("mashctl", ["--database-url=" + database.connectionString, "migrate"]).stdout.contains("nothing to apply"))

        #expect(try await CLI.run("mashctl", ["agency", "add", "tvp", "--name", "Thames Valley Police", "--kind", "police"] + url).status == 0)
        let list = try await CLI.run("mashctl", ["agency", "list", "--format", "json"] + url)
        let agencies = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(agencies.count == 1)
        #expect(agencies[0]["id"] as? String == "tvp")
        #expect(agencies[0]["kind"] as? String == "police")
        #expect(try await CLI.run("mashctl", ["agency", "list", "--format", "csv"] + url).stdout.hasPrefix("id,name,kind,createdAt,disabledAt\ntvp,Thames Valley Police,police,"))

        let issued = try await CLI.run("mashctl", ["token", "issue", "--agency", "tvp", "--expires", "90d"] + url)
        #expect(issued.status == 0)
        let secret = try #require(issued.stdout.split(separator: "\n").last.map(String.init))
        let store = database.store()
        #expect(try await store.authenticate(secret: secret) == .agency(id: "tvp", kind: .police, disabled: false))

        let json = try await CLI.run("mashctl", ["token", "issue", "--agency", "tvp", "--format", "json"] + url)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((object["id"] as? String)?.hasPrefix("tok_") == true)
        #expect((object["secret"] as? String)?.hasPrefix("mash_") == true)
        #expect(object.keys.contains("expiresAt"))

        let tokens = try await CLI.run("mashctl", ["token", "list", "--format", "json"] + url)
        #expect(!tokens.stdout.contains(secret), "a listed token never shows its secret")
        let tokenID = try #require((try JSONSerialization.jsonObject(with: Data(tokens.stdout.utf8)) as? [[String: Any]])?.first?["id"] as? String)
        #expect(try await CLI.run("mashctl", ["token", "revoke", tokenID] + url).status == 0)
        #expect(try await store.authenticate(secret: secret) == nil)

        #expect(try await CLI.run("mashctl", ["hub", "add", "lado", "--name", "LADO", "--delivery-window", "1d"] + url).status == 0)
        let hub = try await CLI.run("mashctl", ["hub", "update", "lado", "--capacity", "40", "--format", "json"] + url)
        #expect(hub.stdout.contains(#""capacity":40"#))
        #expect(hub.stdout.contains(#""deliveryWindow":"1d""#))
        store.pool.close()
    }

    @Test func quarantineAndStatusShowWhatIntakeRefused() async throws {
        let database = try await TestCluster.freshDatabase()
        let store = database.store()
        _ = try await store.addAgency(id: "tvp", name: "Thames Valley Police", kind: .police)
        try await store.quarantine(agencyID: "tvp", contentType: "application/json", body: Array("{}".utf8), httpStatus: 422, problems: [
            .init(pointer: .root.appending("reference"), detail: "is required"),
        ])
        let url = ["--database-url", database.connectionString(as: .coordinator)]
        let list = try await CLI.run("mashctl", ["quarantine", "list", "--format", "json"] + url)
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(entries.count == 1)
        #expect(entries[0]["problemCount"] as? Int == 1)
        let id = try #require(entries[0]["id"] as? Int)
        let show = try await CLI.run("mashctl", ["quarantine", "show", String(id)] + url)
        #expect(show.stdout.contains("/reference: is required") || show.stdout.contains("pointer: /reference"))
        let status = try await CLI.run("mashctl", ["status", "--format", "json", "--database-url", database.connectionString(as: .ops)])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        #expect(object["schemaVersion"] as? Int == Migrator().latestVersion)
        #expect(object["quarantined"] as? Int == 1)
        store.pool.close()
    }

    @Test func usageAndRuntimeErrorsExitDifferentlyWithOneLine() async throws {
        let usage = try await CLI.run("mashctl", ["agency", "add", "x", "--name", "X", "--kind", "wizards"])
        #expect(usage.status == 64)
        let runtime = try await CLI.run("mashctl", ["agency", "list", "--database-url", "host=/nonexistent-mash-socket dbname=x"])
        #expect(runtime.status == 1)
        #expect(runtime.stderr.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count == 1)
        #expect(runtime.stderr.contains("cannot connect to the database"))
    }
}
