import ArgumentParser
import Foundation
import MashStore

struct OverdueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "overdue",
        abstract: "Every open referral past its deadline or its hub's delivery window, worst first.",
        discussion: """
            Worst first: those the deadline watch has escalated (flag overdue, within a minute of
            the deadline), then red, amber, green, then the longest past its deadline. A referral past
            its delivery window (status undelivered) is listed whatever its deadline: no hub
            system has taken it.
            Examples:
              mashctl overdue
              mashctl overdue --hub lado --format json
            """
    )

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: FormatOptions
    @Option(help: "Only this hub's referrals.") var hub: String?
    @Option(help: "How many to list.") var limit = 100

    func run() async throws {
        let referrals = try await connection.withStore { store in
            try await store.inbox(hub: hub, overdueAt: Date(), limit: limit)
        }
        RecordPrinter.printList(referrals.map(ReferralRecord.record), columns: ReferralRecord.columns, format: output.format)
    }
}
