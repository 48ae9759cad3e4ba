import ArgumentParser
import MashDomain
import MashStore

struct DecideCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decide",
        abstract: "Record the screening decision; the referring agency then sees the outcome and feedback.",
        discussion: """
            Outcomes: nfa, advice, early_help, child_in_need_assessment, strategy_discussion,
            refer_other_agency, existing_case. The reason stays with the MASH; the feedback is
            what the referrer reads (GET /v1/referrals/{id}). The same decision again changes nothing.
            Example:
              mashctl decide 0b5c2a4e-8f1d-4c3e-9a77-2f6d1e0c9b41 --outcome early_help \\
                --reason "Needs met by early help" --feedback "Early help will contact the family this week."
            """
    )

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: FormatOptions
    @Argument(help: "The referral's id.") var id: ReferralID
    @Option(help: "The outcome.") var outcome: ScreeningOutcome
    @Option(help: "Why (required; kept in the audit log, never shown to the referrer).") var reason: String
    @Option(help: "What the referring agency is told.") var feedback: String?

    func validate() throws {
        try ReasonText.check(reason)
        if let feedback, feedback.count > DecisionRequest.maxFeedback {
            throw ValidationError("--feedback is longer than \(DecisionRequest.maxFeedback) characters")
        }
    }

    func run() async throws {
        let request = DecisionRequest(outcome: outcome, reason: reason, feedback: feedback)
        let decision: ScreeningDecision
        switch try await connection.withStore({ try await $0.decide(referral: id.uuid, hub: nil, request, actor: nil) }) {
        case .decided(let made), .alreadyDecided(let made): decision = made
        case .conflict(let why): throw CommandFailure(why)
        case .notFound: throw CommandFailure("there is no referral \(id.text); `mashctl inbox HUB` lists a hub's referrals")
        }
        RecordPrinter.printRecord(Record([
            ("id", .text(id.text)), ("status", .text("decided")), ("outcome", .text(decision.outcome)),
            ("decidedAt", .time(decision.decidedAt)), ("feedback", FieldValue(decision.feedback)),
        ]), format: output.format)
    }
}
