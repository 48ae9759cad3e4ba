import ArgumentParser
import MashStore

/// `mashctl`: the admin CLI for coordinators and operators. It talks to PostgreSQL
/// directly, so it works while `mashd` is down.
@main
struct Mashctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mashctl",
        abstract: "Administer mash-broker and run the MASH coordinator's desk: screening, decisions, allocation, audit, reports.",
        discussion: """
            Connects with --database-url, or MASH_DATABASE_URL, or libpq's PG* defaults;
            --dev talks to the cluster that `mashd --dev` runs under ./.mash-dev/.
            Exit status: 0 success, 1 failure (one line on stderr), 64 usage error.
            Every action on a referral, and every look at one, is recorded in the audit log.
            Shell completion: mashctl --generate-completion-script bash|zsh|fish.
            A morning's screening:
              mashctl inbox mash-screening
              mashctl next mash-screening
              mashctl rerate ID --rag red --reason "..."
              mashctl decide ID --outcome early_help --reason "..." --feedback "..."
            """,
        version: MashBroker.version,
        subcommands: [
            MigrateCommand.self, StatusCommand.self, AgencyCommand.self, HubCommand.self,
            TokenCommand.self, QuarantineCommand.self, RulesCommand.self, InboxCommand.self, OverdueCommand.self,
            NextCommand.self, ShowCommand.self, RerateCommand.self, RouteCommand.self, DecideCommand.self, AssignCommand.self,
            HandoverCommand.self, CaseloadsCommand.self, HistoryCommand.self, ReportCommand.self, AuditCommand.self, ExportCommand.self,
            RetentionCommand.self,
        ]
    )

    /// Accepts the connection options before the subcommand too, as CONTRACT §1
    /// writes them (`mashctl --dev status`); argument-parser reads a subcommand's
    /// options only after its name, so they are moved there before parsing.
    static func main() async {
        await main(ConnectionOptions.movingLeadingOptions(in: Array(CommandLine.arguments.dropFirst())))
    }
}
