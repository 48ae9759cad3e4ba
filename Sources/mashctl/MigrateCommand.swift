import ArgumentParser
import MashStore

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the schema migrations this build carries.",
        discussion: "Each migration runs in its own transaction and is recorded; running again applies nothing.\n\nExample: mashctl migrate --database-url postgresql:///mash"
    )

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let migrator = Migrator()
        let applied = try await connection.withStore { try await migrator.migrate($0.pool) }
        print(applied.isEmpty
              ? "schema already at version \(migrator.latestVersion); nothing to apply"
              : "applied \(applied.map(String.init).joined(separator: ", ")); schema at version \(migrator.latestVersion)")
    }
}
