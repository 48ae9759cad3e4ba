import Postgres

extension Store {
    /// Throws unless the session's login role is one `mashd` may run as: not a
    /// superuser, not the owner of the schema's tables nor a member of it, and not
    /// allowed to create objects in the schema. Any of those could change the
    /// schema or switch off the audit log's triggers; mashd connects as a LOGIN role
    /// granted `mash_daemon` (sql/0008_roles.sql), which can do neither.
    ///
    /// The login role (`session_user`) is checked rather than `current_user`: a
    /// session that started as a superuser could `RESET ROLE` back to it.
    public func requireLeastPrivilege() async throws {
        let row = try await run { connection in
            try connection.query("""
                SELECT session_user::text AS login, r.rolsuper AS superuser, n.nspname::text AS schema,
                       (SELECT min(pg_get_userbyid(c.relowner)::text) FROM pg_class c
                        WHERE c.relnamespace = n.oid AND c.relkind IN ('r', 'p')
                          AND pg_has_role(session_user, c.relowner, 'MEMBER')) AS owner,
                       has_schema_privilege(session_user, n.oid, 'CREATE') AS creates
                FROM pg_roles r, pg_namespace n
                WHERE r.rolname = session_user
                  AND n.oid = (SELECT relnamespace FROM pg_class WHERE oid = 'mash_schema_migrations'::regclass)
                """)[0]
        }
        let login = try row.require(String.self, "login"), schema = try row.require(String.self, "schema")
        let why: String
        if try row.require(Bool.self, "superuser") {
            why = "a superuser"
        } else if let owner = try row.decode(String.self, "owner") {
            why = owner == login ? "the owner of its tables" : "a member of \(owner), the owner of its tables"
        } else if try row.require(Bool.self, "creates") {
            why = "allowed to create objects in schema \(schema)"
        } else {
            return
        }
        throw StoreError(.overPrivileged, """
            refusing to run as database role \(login), \(why): connect as a LOGIN role granted mash_daemon \
            (CREATE ROLE mashd LOGIN IN ROLE mash_daemon; see docs/DATABASE.md)
            """)
    }
}
