import ArgumentParser
import MashStore

struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "A child's chronology: every referral naming them, oldest first.",
        discussion: """
            Children are matched as triage matches history: NHS number exactly; otherwise family
            name and date of birth (and postcode when both give one); an unborn child by expected
            due date. Each referral listed is recorded in the audit log as viewed.
            Examples:
              mashctl history --nhs 9434765919
              mashctl history --child 0b5c2a4e-8f1d-4c3e-9a77-2f6d1e0c9b41:2
            """
    )

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: FormatOptions
    @OptionGroup var selection: ChildSelection

    func run() async throws {
        let referrals = try await connection.withStore { store in
            let referrals = try await selection.chronology(store)
            try await store.recordViews(of: referrals.map(\.id), via: "history")
            return referrals
        }
        RecordPrinter.printList(referrals.map(ReferralRecord.record), columns: ["receivedAt"] + ReferralRecord.columns.filter { $0 != "receivedAt" },
                                format: output.format)
    }
}
