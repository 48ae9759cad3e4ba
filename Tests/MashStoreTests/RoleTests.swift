import Foundation
import MashStore
import MashTesting
import Postgres
import Testing

/// The group roles of sql/0008_roles.sql, and the check that keeps mashd to its own.
@Suite("Database roles")
struct RoleTests {
    /// Runs `sql` in `database` as `user`, the superuser when nil.
    static func query(_ database: TestDatabase, as user: String? = nil, _ sql: String) async throws -> PostgresRows {
        let pool = ConnectionPool(
            configuration: PostgresConfiguration(connectionString: user.map(database.connectionString(user:)) ?? database.connectionString),
            maxConnections: 1
        )
        defer { pool.close() }
        return try await pool.withConnection { try $0.query(sql) }
    }

    @Test func everyTableIsGrantedToSomeRoleAndNoFunctionIsLeftToPublic() async throws {
        let database = try await TestCluster.freshDatabase()
        let ungranted = try await Self.query(database, """
            SELECT c.relname::text AS name FROM pg_class c
            WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
              AND NOT EXISTS (SELECT FROM unnest(ARRAY['mash_daemon', 'mash_coordinator', 'mash_ops']) AS r (role)
                              WHERE has_table_privilege(r.role, c.oid, 'SELECT, INSERT, UPDATE, DELETE'))
            ORDER BY 1
            """).map { try $0.require(String.self, "name") }
        #expect(ungranted == [], "tables no role may use: grant them as sql/0008_roles.sql does")
        let publicFunctions = try await Self.query(database, """
            SELECT p.oid::regprocedure::text AS name FROM pg_proc p
            WHERE p.pronamespace = 'public'::regnamespace
              AND (p.proacl IS NULL OR EXISTS (SELECT FROM aclexplode(p.proacl) a WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE'))
            ORDER BY 1
            """).map { try $0.require(String.self, "name") }
        #expect(publicFunctions == [], "functions anyone may run: revoke them from PUBLIC and grant them to the roles that call them")
    }

    @Test func theDaemonsRoleCannotChangeTheSchemaRewriteTheAuditLogOrEmptyATable() async throws {
        let database = try await TestCluster.freshDatabase()
        for statement in [
            "CREATE TABLE intruder (id int)", "CREATE FUNCTION intruder() RETURNS int LANGUAGE sql RETURN 1",
            "ALTER TABLE referrals ADD COLUMN intruder int", "DROP TABLE referral_events",
            "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
            "UPDATE audit_log SET reason = 'tidied'", "DELETE FROM audit_log", "TRUNCATE audit_log",
            "TRUNCATE referrals", "DELETE FROM referrals",
            "INSERT INTO tokens (id, agency_id, secret_hash) VALUES ('tok_x', 'x', sha256('x'))",
            "INSERT INTO threshold_versions (name, document) VALUES ('x', 'x')", "SELECT body FROM quarantine",
        ] {
            let refused = await #expect(throws: PostgresError.self, "\(statement)") {
                _ = try await Self.query(database, as: TestLogin.daemon.rawValue, statement)
            }
            // The audit log's triggers raise 42501 as well: the privileges must refuse first.
            let message = refused?.message ?? ""
            #expect(refused?.sqlState == "42501" && (message.hasPrefix("permission denied") || message.hasPrefix("must be owner")),
                    "\(statement): \(message)")
        }
    }

    @Test func mashdsCheckAcceptsADaemonLoginAndRefusesEveryRoleThatCouldChangeTheSchema() async throws {
        let database = try await TestCluster.freshDatabase()
        try await database.createLogin("table_owner")
        try await database.createLogin("table_owners_member", "IN ROLE table_owner")
        try await database.createLogin("schema_creator")
        _ = try await Self.query(database, "ALTER TABLE quarantine OWNER TO table_owner")
        _ = try await Self.query(database, "GRANT CREATE ON SCHEMA public TO schema_creator")

        func refusal(_ user: String) async throws -> String? {
            let pool = ConnectionPool(configuration: PostgresConfiguration(connectionString: database.connectionString(user: user)))
            defer { pool.close() }
            do {
                try await Store(pool: pool).requireLeastPrivilege()
                return nil
            } catch let error as StoreError where error.code == .overPrivileged {
                return error.message
            }
        }
        #expect(try await refusal(TestLogin.daemon.rawValue) == nil)
        let advice = ": connect as a LOGIN role granted mash_daemon (CREATE ROLE mashd LOGIN IN ROLE mash_daemon; see docs/DATABASE.md)"
        #expect(try await refusal("postgres") == "refusing to run as database role postgres, a superuser" + advice)
        #expect(try await refusal("table_owner") == "refusing to run as database role table_owner, the owner of its tables" + advice)
        #expect(try await refusal("table_owners_member")
                == "refusing to run as database role table_owners_member, a member of table_owner, the owner of its tables" + advice)
        #expect(try await refusal("schema_creator")
                == "refusing to run as database role schema_creator, allowed to create objects in schema public" + advice)
    }
}
