import ArgumentParser
import Foundation
import LocalCluster
import MashStore
import Postgres

/// Where the database is: shared by every command.
struct ConnectionOptions: ParsableArguments {
    @Option(help: "libpq connection string or URI (default: MASH_DATABASE_URL, then libpq's PG* defaults).")
    var databaseURL: String?

    @Flag(help: "Use the development cluster that `mashd --dev` runs under ./.mash-dev/.")
    var dev = false

    /// `arguments` with any connection options that come before the subcommand
    /// (`--dev`, `--database-url X`, `--database-url=X`) moved to the end.
    static func movingLeadingOptions(in arguments: [String]) -> [String] {
        var leading: [String] = []
        var rest = arguments[...]
        while let first = rest.first {
            if first == "--dev" || first.hasPrefix("--database-url=") {
                leading.append(first)
                rest = rest.dropFirst()
            } else if first == "--database-url", rest.count >= 2 {
                leading += rest.prefix(2)
                rest = rest.dropFirst(2)
            } else {
                break
            }
        }
        return Array(rest) + leading
    }

    /// Runs `body` with a store on one connection, closing it afterwards, and turns
    /// any failure into one line on stderr with exit status 1. `defaultURL` is used
    /// when neither `--database-url` nor `MASH_DATABASE_URL` names the database.
    func withStore<T>(defaultURL: String? = nil, _ body: (Store) async throws -> T) async throws -> T {
        let pool = ConnectionPool(
            configuration: PostgresConfiguration(connectionString: try connectionString() ?? defaultURL, applicationName: "mashctl"), maxConnections: 1
        )
        defer { pool.close() }
        do {
            return try await body(Store(pool: pool))
        } catch let error as CommandFailure {
            throw error
        } catch let error as PostgresError where error.code == .connectionFailed {
            throw CommandFailure("cannot connect to the database: \(error.message)" + (dev ? " (is `mashd --dev` running?)" : ""))
        } catch {
            throw CommandFailure("\(error)")
        }
    }

    private func connectionString() throws -> String? {
        if dev {
            let cluster = LocalCluster.development()
            guard cluster.isInitialised else {
                throw CommandFailure("no development cluster under \(cluster.directory.path): start `mashd --dev` first")
            }
            return cluster.connectionString(database: LocalCluster.developmentDatabase)
        }
        return databaseURL ?? ProcessInfo.processInfo.environment["MASH_DATABASE_URL"]
    }
}

/// A runtime failure: printed as one line on stderr, exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) {
        // One line, whatever libpq or PostgreSQL put in the message.
        description = message.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }
}
