import ArgumentParser
import MashStore

struct NextCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "next",
        abstract: "Claim the highest-priority referral waiting in a hub and show it.",
        discussion: """
            The referral goes in_review, allocated to --worker (default: your database user):
            no hub system and no other coordinator gets it, however many claim at once.
            Prints nothing to claim (exit 0) when the inbox has nothing waiting.
            Examples:
              mashctl next mash-screening
              mashctl next mash-screening --worker "J Smith" --format json
            """
    )

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: FormatOptions
    @Argument(help: "The hub, as `mashctl hub list` names it.") var hub: String
    @Option(help: "Who the referral is allocated to (default: the database user).") var worker: String?

    func run() async throws {
        try await connection.withStore { store in
            guard try await store.hubs().contains(where: { $0.id == hub }) else {
                throw CommandFailure("there is no hub \(hub); `mashctl hub list` shows the hubs")
            }
            guard let claimed = try await store.claimNext(hub: hub, worker: worker) else {
                print(output.format == .json ? "null" : "nothing waiting in \(hub)")
                return
            }
            try await ShowCommand.show(claimed.id, via: "next", store: store, format: output.format)
        }
    }
}
