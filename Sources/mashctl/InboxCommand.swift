import ArgumentParser
import Foundation
import MashStore
import MashTriage

struct InboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inbox",
        abstract: "A hub's open referrals in priority order: red, amber, green, then the earliest deadline, then the oldest.",
        discussion: """
            Open: not yet decided or closed (queued, leased, in review, delivered or undelivered).
            Examples:
              mashctl inbox mash-screening
              mashctl inbox child-protection --rag red --overdue --format json
            """
    )

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: FormatOptions
    @Argument(help: "The hub, as `mashctl hub list` names it.") var hub: String
    @Option(help: "Only referrals of this urgency: red, amber or green.") var rag: RAG?
    @Flag(help: "Only referrals past their deadline.") var overdue = false
    @Option(help: "How many to list.") var limit = 100

    func run() async throws {
        let referrals = try await connection.withStore { store in
            guard try await store.hubs().contains(where: { $0.id == hub }) else {
                throw CommandFailure("there is no hub \(hub); `mashctl hub list` shows the hubs")
            }
            return try await store.inbox(hub: hub, rag: rag?.rawValue, overdueAt: overdue ? Date() : nil, limit: limit)
        }
        RecordPrinter.printList(referrals.map(ReferralRecord.record), columns: ReferralRecord.columns, format: output.format)
    }
}
