import ArgumentParser
import Foundation
import MashStore
import MashTriage

struct RulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "The threshold document: how referrals are given a level, an urgency, a hub and a deadline.",
        discussion: "docs/THRESHOLDS.md explains the document for the MASH managers who edit it.",
        subcommands: [Check.self, Apply.self, Show.self]
    )

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a threshold document against the contract and the hubs in the database.",
            discussion: """
                Prints every problem with its line and exits 1 if there are any; otherwise
                prints a summary of the document. Example: mashctl --dev rules check config/thresholds.yaml
                """
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: FormatOptions
        @Argument(help: "The YAML file.") var file: String

        func run() async throws {
            let (document, _) = try await RulesCommand.checked(file, connection: connection, format: output.format)
            RecordPrinter.printRecord(Record([
                ("file", .text(file)), ("name", .text(document.name)), ("rules", .number(document.rules.count)),
                ("modifiers", .number(document.modifiers.count)), ("timezone", .text(document.calendar.timeZone.identifier)),
                ("hubs", .list(document.hubs.sorted().map { Record([("id", .text($0))]) })),
            ]), format: output.format)
        }
    }

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a threshold document and, if it has no problems, make it the version every mashd uses.",
            discussion: """
                Stores the file verbatim as the next numbered version; running daemons load it
                within seconds, without a restart (mashctl status shows the version each uses).
                Example: mashctl rules apply my-thresholds.yaml
                """
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: FormatOptions
        @Argument(help: "The YAML file.") var file: String

        func run() async throws {
            let (document, text) = try await RulesCommand.checked(file, connection: connection, format: output.format)
            let applied = try await connection.withStore { try await $0.applyThresholds(document, text: text) }
            RecordPrinter.printRecord(RulesCommand.record(applied, withDocument: false), format: output.format)
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the threshold document in use, or an earlier version, exactly as applied.",
            discussion: "Example: mashctl rules show --version 3"
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: FormatOptions
        @Option(help: "The version to show (default: the latest).") var version: Int?

        func run() async throws {
            guard let shown = try await connection.withStore({ try await $0.thresholds(version: version) }) else {
                throw CommandFailure(version.map { "there is no threshold version \($0)" } ?? "no threshold document has been applied yet")
            }
            RecordPrinter.printRecord(RulesCommand.record(shown, withDocument: true), format: output.format)
        }
    }

    static func record(_ applied: ThresholdVersion, withDocument: Bool) -> Record {
        var fields: [(String, FieldValue)] = [
            ("version", .number(applied.version)), ("name", .text(applied.name)),
            ("appliedAt", .time(applied.appliedAt)), ("appliedBy", .text(applied.appliedBy)),
        ]
        if withDocument { fields.append(("document", .text(applied.document))) }
        return Record(fields)
    }

    static func read(_ file: String) throws -> String {
        do {
            return try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw CommandFailure("cannot read \(file): \(error.localizedDescription)")
        }
    }

    /// The document in `file`, checked against the hubs in the database, with the
    /// text it was read from; on problems, prints every one with its line and fails.
    static func checked(_ file: String, connection: ConnectionOptions, format: OutputFormat) async throws -> (ThresholdDocument, String) {
        let text = try read(file)
        let hubs = try await connection.withStore { try await $0.hubs() }
        switch ThresholdParser.parse(text, knownHubs: Set(hubs.map(\.id))) {
        case .success(let document):
            return (document, text)
        case .failure(let error):
            RecordPrinter.printList(
                error.problems.map { Record([("line", .number($0.line)), ("problem", .text($0.message))]) },
                columns: ["line", "problem"], format: format
            )
            throw CommandFailure("\(error.problems.count) problem\(error.problems.count == 1 ? "" : "s") in \(file)")
        }
    }
}
