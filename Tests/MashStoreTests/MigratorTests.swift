import Foundation
import MashStore
import MashTesting
import Postgres
import Testing

@Suite("Schema migrations")
struct MigratorTests {
    @Test func migratingAFreshDatabaseIsRecordedAndRerunningIsANoOp() async throws {
        let database = try await TestCluster.freshDatabase()
        let pool = database.pool()
        // The test database is a copy of an already migrated template.
        #expect(try await Migrator().migrate(pool) == [])
        let recorded = try await pool.withConnection {
            try $0.query("SELECT version, name FROM mash_schema_migrations ORDER BY version").map { try $0.require(Int.self, "version") }
        }
        #expect(recorded == Migrator().migrations.map(\.version))
        try await Migrator().requireCurrent(pool)
        pool.close()
    }

    @Test func anEmptyDatabaseIsMigratedFromScratch() async throws {
        let database = try await TestCluster.freshDatabase()
        let pool = database.pool()
        try await pool.withConnection { connection in
            try connection.execute(script: "DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        }
        #expect(try await Migrator().appliedVersion(pool) == 0)
        #expect(try await Migrator().migrate(pool) == Migrator().migrations.map(\.version))
        #expect(try await Migrator().appliedVersion(pool) == Migrator().latestVersion)
        pool.close()
    }

    @Test func aDatabaseMigratedByANewerBuildIsRefused() async throws {
        let database = try await TestCluster.freshDatabase()
        let pool = database.pool()
        try await pool.withConnection { try $0.query("INSERT INTO mash_schema_migrations (version, name) VALUES (9999, '9999_future')") }
        let refused = await #expect(throws: StoreError.self) { try await Migrator().requireCurrent(pool) }
        #expect(refused?.code == .schemaMismatch)
        #expect(refused?.message.contains("newer") == true)
        await #expect(throws: StoreError.self) { try await Migrator().migrate(pool) }
        pool.close()
    }

    @Test func theEmbeddedMigrationsMatchTheFilesInSQL() throws {
        let sql = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../sql").standardizedFileURL
        let files = try Migrator(directory: sql).migrations
        let embedded = Migrator().migrations
        #expect(files.map(\.version) == embedded.map(\.version), "run scripts/embed-migrations")
        for (file, built) in zip(files, embedded) {
            #expect(file.script.trimmingCharacters(in: .whitespacesAndNewlines) == built.script.trimmingCharacters(in: .whitespacesAndNewlines),
                    "sql/\(file.name).sql differs from the embedded copy: run scripts/embed-migrations")
        }
    }
}
