import ArgumentParser
import MashStore

struct QuarantineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quarantine",
        abstract: "Referrals refused at intake, kept so the MASH can chase their senders.",
        subcommands: [List.self, Show.self]
    )

    static func record(_ entry: QuarantinedSubmission) -> Record {
        var fields: [(String, FieldValue)] = [
            ("id", .number(entry.id)), ("agency", .text(entry.agencyID)), ("receivedAt", .time(entry.receivedAt)),
            ("httpStatus", .number(entry.httpStatus)), ("bodySize", .number(entry.bodySize)),
            ("problemCount", .number(entry.problems.count)),
        ]
        if let body = entry.body {
            fields.append(("contentType", FieldValue(entry.contentType)))
            fields.append(("problems", .list(entry.problems.map { Record([("pointer", .text($0.pointer)), ("detail", .text($0.detail))]) })))
            fields.append(("body", .text(String(decoding: body, as: UTF8.self))))
        }
        return Record(fields)
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List refused submissions, newest first.", discussion: "Example: mashctl quarantine list --limit 20")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: FormatOptions
        @Option(help: "How many to list.") var limit = 100

        func run() async throws {
            let entries = try await connection.withStore { try await $0.quarantineEntries(limit: limit) }
            RecordPrinter.printList(entries.map(QuarantineCommand.record),
                                    columns: ["id", "agency", "receivedAt", "httpStatus", "problemCount", "bodySize"], format: output.format)
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one refused submission: every problem and the body as received.", discussion: "Example: mashctl quarantine show 42")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: FormatOptions
        @Argument(help: "The id from `quarantine list`.") var id: Int

        func run() async throws {
            let entry = try await connection.withStore { try await $0.quarantineEntry(id: id) }
            RecordPrinter.printRecord(QuarantineCommand.record(entry), format: output.format)
        }
    }
}
