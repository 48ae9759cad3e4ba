import Foundation
import LocalCluster
import MashTesting
import Testing

/// The programs as they run in production: each through a LOGIN role granted one
/// group role of sql/0008_roles.sql (the rest of the suite runs them so too).
@Suite("mashd and mashctl under least privilege")
struct LeastPrivilegeTests {
    @Test func mashdRefusesToRunAsTheSuperuserOrTheOwnerOfItsTables() async throws {
        let database = try await TestCluster.freshDatabase()
        try await database.createLogin("mash_owner")
        let pool = database.pool(maxConnections: 1)
        try await pool.withConnection { connection in
            // As if mash_owner had migrated the database: it owns every table.
            try connection.query("""
                DO $$ DECLARE t regclass; BEGIN
                    FOR t IN SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' LOOP
                        EXECUTE format('ALTER TABLE %s OWNER TO mash_owner', t);
                    END LOOP;
                END $$
                """)
        }
        pool.close()
        for (user, what) in [("postgres", "a superuser"), ("mash_owner", "the owner of its tables")] {
            // Under `timeout`: a mashd that did not refuse would serve until killed.
            let run = try await CLI.run(argv: [
                "/usr/bin/timeout", "30", try DaemonProcess.binary("mashd").path, "--port", "0", "--database-url", database.connectionString(user: user),
            ])
            #expect(run.status == 1, "\(user): exit status \(run.status)")
            #expect(run.stderr.split(separator: "\n").last == """
                Error: refusing to run as database role \(user), \(what): connect as a LOGIN role granted mash_daemon \
                (CREATE ROLE mashd LOGIN IN ROLE mash_daemon; see docs/DATABASE.md)
                """, "\(run.stderr)")
            #expect(!run.stdout.contains("listening"))
        }
    }

    @Test func eachLoginRunsItsOwnCommandsAndIsRefusedTheOthers() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        try await DeskTests.seed(setup.store, count: 2)
        func mashctl(_ login: TestLogin, _ arguments: [String]) async throws -> CLI.Result {
            try await CLI.run("mashctl", arguments + ["--database-url", setup.database.connectionString(as: login)])
        }
        let claimed = try await mashctl(.coordinator, ["next", "mash-screening", "--format", "json"])
        #expect(claimed.status == 0, "\(claimed.stderr)")
        let id = try #require((try JSONSerialization.jsonObject(with: Data(claimed.stdout.utf8)) as? [String: Any])?["id"] as? String)
        #expect(try await mashctl(.coordinator, ["show", id]).status == 0)
        #expect(try await mashctl(.coordinator, ["decide", id, "--outcome", "nfa", "--reason", "No concerns"]).status == 0)
        #expect(try await mashctl(.coordinator, ["audit", "verify"]).status == 0)
        #expect(try await mashctl(.ops, ["token", "issue", "--agency", "tvp"]).status == 0)
        #expect(try await mashctl(.ops, ["hub", "update", "lado", "--capacity", "50"]).status == 0)
        #expect(try await mashctl(.ops, ["status"]).status == 0)

        let thresholds = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("config/thresholds.yaml").path
        let refusals: [(TestLogin, [String], String)] = [
            (.coordinator, ["token", "issue", "--agency", "tvp"], "permission denied for table tokens"),
            (.coordinator, ["rules", "apply", thresholds], "permission denied for table threshold_versions"),
            (.coordinator, ["agency", "add", "x", "--name", "X", "--kind", "police"], "permission denied for table agencies"),
            (.coordinator, ["hub", "update", "lado", "--capacity", "1"], "permission denied for table hubs"),
            (.coordinator, ["migrate"], "permission denied for schema public"),
            (.ops, ["next", "mash-screening"], "permission denied for table referrals"),
            (.ops, ["decide", id, "--outcome", "nfa", "--reason", "x"], "permission denied for table referrals"),
            (.ops, ["migrate"], "permission denied for schema public"),
            (.daemon, ["token", "issue", "--agency", "tvp"], "permission denied for table tokens"),
        ]
        for (login, arguments, refusal) in refusals {
            let result = try await mashctl(login, arguments)
            #expect(result.status == 1 && result.stderr.contains(refusal), "\(login) \(arguments): \(result.stderr)")
        }
        setup.store.pool.close()
    }
}
