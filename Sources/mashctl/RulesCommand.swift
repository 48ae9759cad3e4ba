import ArgumentParser
import Foundation
import MashStore
import MashTriage

struct RulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "The threshold document: how referrals are given a level, an urgency, a hub and a deadline.",
        discussion: "docs/THRESHOLDS.md explains the document for the MASH managers who edit it.",
        subcommands: [Check.self]
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
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw CommandFailure("cannot read \(file): \(error.localizedDescription)")
            }
            let hubs = try await connection.withStore { try await $0.hubs() }
            switch ThresholdParser.parse(text, knownHubs: Set(hubs.map(\.id))) {
            case .success(let document):
                RecordPrinter.printRecord(Record([
                    ("file", .text(file)), ("name", .text(document.name)), ("rules", .number(document.rules.count)),
                    ("modifiers", .number(document.modifiers.count)), ("timezone", .text(document.calendar.timeZone.identifier)),
                    ("hubs", .list(Set(document.rules.compactMap(\.actions.hub)).sorted().map { Record([("id", .text($0))]) })),
                ]), format: output.format)
            case .failure(let error):
                RecordPrinter.printList(
                    error.problems.map { Record([("line", .number($0.line)), ("problem", .text($0.message))]) },
                    columns: ["line", "problem"], format: output.format
                )
                throw CommandFailure("\(error.problems.count) problem\(error.problems.count == 1 ? "" : "s") in \(file)")
            }
        }
    }
}
