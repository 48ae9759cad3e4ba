import ArgumentParser
import Foundation
import MashDomain
import MashStore

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Issue, list and revoke the bearer tokens of agencies and hubs.",
        subcommands: [Issue.self, List.self, Revoke.self]
    )

    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a token. The secret is printed once, alone on the last line, and never stored.",
            discussion: "Example: mashctl token issue --agency tvp --expires 90d"
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: FormatOptions
        @Option(help: "The agency the token is for.") var agency: String?
        @Option(help: "The hub the token is for.") var hub: String?
        @Option(help: "When it stops working: a duration (90d) or an RFC 3339 time.") var expires: ExpiryArgument?

        func validate() throws {
            guard (agency == nil) != (hub == nil) else { throw ValidationError("give exactly one of --agency and --hub") }
        }

        func run() async throws {
            let token = try await connection.withStore {
                try await $0.issueToken(agencyID: agency, hubID: hub, expiresAt: expires?.date)
            }
            switch output.format {
            case .json:
                print(RecordPrinter.json(Record([
                    ("id", .text(token.id)), ("agency", FieldValue(agency)), ("hub", FieldValue(hub)),
                    ("secret", .text(token.secret)), ("expiresAt", FieldValue(token.expiresAt)),
                ])))
            case .table, .csv:
                print("issued \(token.id) for \(agency.map { "agency \($0)" } ?? "hub \(hub!)"), expires \(token.expiresAt.map(RFC3339.format) ?? "never")")
                print("the secret below is shown only now; store it securely:")
                print(token.secret)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (never their secrets).", discussion: "Example: mashctl token list --format json")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: FormatOptions

        func run() async throws {
            let tokens = try await connection.withStore { try await $0.tokens() }
            let now = Date()
            let records = tokens.map { token in
                Record([("id", .text(token.id)), ("agency", FieldValue(token.agencyID)), ("hub", FieldValue(token.hubID)),
                        ("state", .text(token.state(at: now))), ("createdAt", .time(token.createdAt)),
                        ("createdBy", .text(token.createdBy)), ("expiresAt", FieldValue(token.expiresAt)),
                        ("revokedAt", FieldValue(token.revokedAt))])
            }
            RecordPrinter.printList(records, columns: ["id", "agency", "hub", "state", "createdAt", "expiresAt", "revokedAt"], format: output.format)
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a token; running daemons refuse it within seconds.",
            discussion: "Example: mashctl token revoke tok_3hV9sQx2Lk0"
        )
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The token's id (from `token list`).") var id: String

        func run() async throws {
            try await connection.withStore { try await $0.revokeToken(id: id) }
            print("revoked \(id)")
        }
    }
}
