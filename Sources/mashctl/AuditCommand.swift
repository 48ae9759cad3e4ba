import ArgumentParser
import Foundation
import MashDomain
import MashStore

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "The audit log of every action on and every look at a referral, and a check that it was not altered.",
        subcommands: [List.self, Verify.self],
        defaultSubcommand: List.self
    )

    static let columns = ["id", "at", "actor", "dbUser", "action", "referral", "reason", "detail"]

    static func record(_ entry: AuditEntry) -> Record {
        Record([
            ("id", .number(entry.id)), ("at", .time(entry.at)), ("actor", .text(entry.actor)), ("dbUser", .text(entry.databaseUser)),
            ("action", .text(entry.action)), ("referral", FieldValue(entry.referralID?.uuidString.lowercased())),
            ("reason", FieldValue(entry.reason)), ("detail", .rawJSON(entry.detail)),
        ])
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List audit entries, oldest first (the default: `mashctl audit` is `mashctl audit list`).",
            discussion: """
                Examples:
                  mashctl audit --referral 0b5c2a4e-8f1d-4c3e-9a77-2f6d1e0c9b41
                  mashctl audit --actor jsmith --since 2026-11-01 --format csv
                """
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: FormatOptions
        @Option(help: "Only entries about this referral.") var referral: ReferralID?
        @Option(help: "Only entries by this actor or database user.") var actor: String?
        @Option(help: "Only entries since this date (YYYY-MM-DD, UTC) or RFC 3339 time.") var since: TimeArgument?
        @Option(help: "How many to list.") var limit = 1000

        func run() async throws {
            let entries = try await connection.withStore {
                try await $0.auditLog(referral: referral?.uuid, actor: actor, since: since?.date, limit: limit)
            }
            RecordPrinter.printList(entries.map(AuditCommand.record), columns: AuditCommand.columns, format: output.format)
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the whole hash chain of the audit log; name the first entry that does not hold.",
            discussion: """
                Exit status 0 when every entry holds, 1 when one does not (named on stderr).
                Example: mashctl audit verify
                """
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: FormatOptions

        func run() async throws {
            let result = try await connection.withStore { try await $0.verifyAuditLog() }
            RecordPrinter.printRecord(Record([
                ("entries", .number(result.entries)), ("intact", .flag(result.firstBroken == nil)),
                ("firstBrokenEntry", FieldValue(result.firstBroken?.id)), ("problem", FieldValue(result.firstBroken?.problem)),
            ]), format: output.format)
            if let broken = result.firstBroken {
                throw CommandFailure("audit entry \(broken.id) does not hold: \(broken.problem)")
            }
        }
    }
}
