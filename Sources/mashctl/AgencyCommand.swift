import ArgumentParser
import MashDomain
import MashStore

struct AgencyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agency",
        abstract: "Manage the partner agencies that send referrals.",
        subcommands: [Add.self, List.self, Disable.self]
    )

    static let columns = ["id", "name", "kind", "createdAt", "disabledAt"]

    static func record(_ agency: Agency) -> Record {
        Record([("id", .text(agency.id)), ("name", .text(agency.name)), ("kind", .text(agency.kind.rawValue)),
                ("createdAt", .time(agency.createdAt)), ("disabledAt", FieldValue(agency.disabledAt))])
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add an agency.",
            discussion: "Example: mashctl agency add tvp --name \"Thames Valley Police\" --kind police"
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: FormatOptions
        @Argument(help: "Identifier: lower-case letters, digits, - and _.") var id: String
        @Option(help: "The agency's name.") var name: String
        @Option(help: "One of: \(AgencyKind.allCases.map(\.rawValue).joined(separator: ", ")).") var kind: String

        func validate() throws {
            guard AgencyKind(rawValue: kind) != nil else {
                throw ValidationError("--kind must be one of: \(AgencyKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }

        func run() async throws {
            let agency = try await connection.withStore { try await $0.addAgency(id: id, name: name, kind: AgencyKind(rawValue: kind)!) }
            RecordPrinter.printRecord(AgencyCommand.record(agency), format: output.format)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List agencies.", discussion: "Example: mashctl agency list --format csv")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: FormatOptions

        func run() async throws {
            let agencies = try await connection.withStore { try await $0.agencies() }
            RecordPrinter.printList(agencies.map(AgencyCommand.record), columns: AgencyCommand.columns, format: output.format)
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Refuse an agency's tokens from now on; its referrals are kept.",
            discussion: "Example: mashctl agency disable tvp"
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: FormatOptions
        @Argument(help: "The agency's identifier.") var id: String

        func run() async throws {
            let agency = try await connection.withStore { try await $0.disableAgency(id: id) }
            RecordPrinter.printRecord(AgencyCommand.record(agency), format: output.format)
        }
    }
}
