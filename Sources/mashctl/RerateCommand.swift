import ArgumentParser
import MashDomain
import MashStore
import MashTriage

struct RerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rerate",
        abstract: "Change a referral's level of need and/or urgency, with a reason; its deadline is recomputed.",
        discussion: """
            The deadline is worked out again from the referral's arrival under the threshold
            document in use. A coordinator may lower as well as raise; the reason is audited.
            Examples:
              mashctl rerate 0b5c2a4e-8f1d-4c3e-9a77-2f6d1e0c9b41 --rag red --reason "Mother disclosed new threats"
              mashctl rerate 0b5c2a4e-8f1d-4c3e-9a77-2f6d1e0c9b41 --level 2 --rag green --reason "Checks show support in place"
            """
    )

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: FormatOptions
    @Argument(help: "The referral's id.") var id: ReferralID
    @Option(help: "Level of need, 1 to 4.") var level: Int?
    @Option(help: "Urgency: red, amber or green.") var rag: RAG?
    @Option(help: "Why (required; kept in the audit log).") var reason: String

    func validate() throws {
        guard level != nil || rag != nil else { throw ValidationError("give --level, --rag or both") }
        if let level, !(1...4).contains(level) { throw ValidationError("--level must be 1, 2, 3 or 4") }
        try ReasonText.check(reason)
    }

    func run() async throws {
        let referral = try await connection.withStore { store in
            let (engine, _) = try await TriageReplay.engine(store: store)
            return try await store.rerate(referral: id.uuid, level: level, rag: rag, reason: reason, engine: engine)
        }
        RecordPrinter.printRecord(ReferralRecord.record(referral), format: output.format)
    }
}

/// The reason a coordinator gives for a change: required, not blank, and no
/// longer than a decision's (the audit log's limit too).
enum ReasonText {
    static func check(_ reason: String, option: String = "--reason") throws {
        if reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw ValidationError("\(option) must say why") }
        if reason.count > DecisionRequest.maxReason { throw ValidationError("\(option) is longer than \(DecisionRequest.maxReason) characters") }
    }
}
