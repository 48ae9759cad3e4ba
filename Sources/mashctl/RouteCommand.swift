import ArgumentParser
import MashStore

struct RouteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "route",
        abstract: "Move a referral to another hub's inbox, with a reason; its deadline is recomputed.",
        discussion: """
            It waits in the new inbox as queued; a lease on it ends and its allocation is cleared.
            Example: mashctl route 0b5c2a4e-8f1d-4c3e-9a77-2f6d1e0c9b41 --hub lado --reason "Allegation against a teacher"
            """
    )

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: FormatOptions
    @Argument(help: "The referral's id.") var id: ReferralID
    @Option(help: "The hub to move it to.") var hub: String
    @Option(help: "Why (required; kept in the audit log).") var reason: String

    func validate() throws { try ReasonText.check(reason) }

    func run() async throws {
        let referral = try await connection.withStore { store in
            let (engine, _) = try await TriageReplay.engine(store: store)
            return try await store.route(referral: id.uuid, to: hub, reason: reason, engine: engine)
        }
        RecordPrinter.printRecord(ReferralRecord.record(referral), format: output.format)
    }
}
