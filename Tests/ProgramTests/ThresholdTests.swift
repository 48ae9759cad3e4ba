import Foundation
import MashStore
import MashTesting
import Testing

@Suite("Threshold versions, applied and picked up")
struct ThresholdTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let hubs = ["mash-screening", "early-help", "child-protection", "children-in-need", "lado", "edt"]

    /// The threshold version the daemons report, polled until it is `expected` or 5 s pass.
    func versionInUse(_ store: Store, becomes expected: Int) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            let versions = try await store.pool.withConnection { connection in
                try connection.query("SELECT threshold_version FROM daemons").map { try $0.decode(Int.self, "threshold_version") }
            }
            if versions == [expected] { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    @Test func aRunningDaemonUsesANewlyAppliedVersionWithinFiveSeconds() async throws {
        let database = try await TestCluster.freshDatabase()
        let store = database.store()
        for hub in Self.hubs { _ = try await store.addHub(id: hub, name: hub) }
        let daemon = try await DaemonProcess(database: database)
        let url = ["--database-url", database.connectionString(as: .ops)]
        let defaultFile = Self.repository.appendingPathComponent("config/thresholds.yaml").path

        let first = try await CLI.run("mashctl", ["rules", "apply", defaultFile, "--format", "json"] + url)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try await versionInUse(store, becomes: 1), "the daemon should load version 1 within 5 s")

        // A second version, under another name: the same daemon switches to it.
        let renamed = try String(contentsOfFile: defaultFile, encoding: .utf8)
            .replacingOccurrences(of: "name: Default continuum of need (mash-broker)", with: "name: Revised continuum")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("thresholds-\(UUID().uuidString).yaml")
        try renamed.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let second = try await CLI.run("mashctl", ["rules", "apply", file.path, "--format", "json"] + url)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try await versionInUse(store, becomes: 2), "the daemon should load version 2 within 5 s, without a restart")
        #expect(daemon.isRunning)
        #expect(daemon.log.contains("thresholds in use name=Revised continuum version=2"))

        // `rules show` gives back exactly what was applied, for any version.
        let shown = try await CLI.run("mashctl", ["rules", "show", "--format", "json"] + url)
        let latest = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])
        #expect(latest["version"] as? Int == 2)
        #expect(latest["document"] as? String == renamed)
        let earlier = try await CLI.run("mashctl", ["rules", "show", "--version", "1", "--format", "json"] + url)
        #expect((try JSONSerialization.jsonObject(with: Data(earlier.stdout.utf8)) as? [String: Any])?["name"] as? String == "Default continuum of need (mash-broker)")
        let missing = try await CLI.run("mashctl", ["rules", "show", "--version", "9"] + url)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("there is no threshold version 9"))

        let status = try await CLI.run("mashctl", ["status", "--format", "json"] + url)
        let reported = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        #expect(reported["thresholdVersion"] as? Int == 2)
        #expect((reported["daemons"] as? [[String: Any]])?.first?["thresholdVersion"] as? Int == 2)
    }

    @Test func aDocumentWithProblemsIsNotApplied() async throws {
        let database = try await TestCluster.freshDatabase()
        let store = database.store()
        _ = try await store.addHub(id: "mash-screening", name: "MASH screening")
        // The default document names hubs this database does not have.
        let result = try await CLI.run("mashctl", ["rules", "apply", Self.repository.appendingPathComponent("config/thresholds.yaml").path,
                                             "--database-url", database.connectionString(as: .ops)])
        #expect(result.status == 1)
        #expect(result.stdout.contains("'child-protection' is not a known hub"))
        #expect(try await store.thresholds() == nil, "nothing stored")
    }
}
