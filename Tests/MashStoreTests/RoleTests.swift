import Foundation
import MashStore
import MashTesting
import Postgres
import Testing

/// The group roles of sql/0008_roles.sql.
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

    /// A LOGIN role, made idempotently (roles belong to the cluster, shared by every test).
    static func createLogin(_ name: String, in database: TestDatabase, _ options: String = "") async throws {
        _ = try await query(database, """
            DO $$ BEGIN CREATE ROLE \(name) LOGIN \(options);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$
            """)
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
}
