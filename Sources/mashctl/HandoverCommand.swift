import ArgumentParser
import MashStore

struct HandoverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "handover",
        abstract: "Move every open referral of a leaving worker to another, in one transaction.",
        discussion: """
            Each referral moved gets its own audit entry. Lists what moved.
            Examples:
              mashctl handover --from "J Smith" --to "A Patel"
              mashctl handover --from "J Smith" --to "A Patel" --hub early-help
            """
    )

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: FormatOptions
    @Option(help: "The worker handing over.") var from: String
    @Option(help: "The worker taking over.") var to: String
    @Option(help: "Only this hub's referrals.") var hub: String?

    func validate() throws {
        guard from != to else { throw ValidationError("--from and --to name the same worker") }
    }

    func run() async throws {
        let moved = try await connection.withStore { try await $0.handover(from: from, to: to, hub: hub) }
        RecordPrinter.printList(moved.map(ReferralRecord.record), columns: ReferralRecord.columns, format: output.format)
    }
}
