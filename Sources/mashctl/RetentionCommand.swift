import ArgumentParser
import Foundation
import MashConfig
import MashDomain
import MashStore

struct RetentionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "Apply the retention policy, and keep referrals under legal hold (docs/RETENTION.md).",
        subcommands: [Run.self, Hold.self, Release.self, Holds.self]
    )

    static func record(_ hold: LegalHold) -> Record {
        Record([
            ("referral", .text(hold.referralID.uuidString.lowercased())), ("heldAt", .time(hold.heldAt)),
            ("heldBy", .text(hold.heldBy)), ("reason", .text(hold.reason)),
        ])
    }

    static let holdColumns = ["referral", "heldAt", "heldBy", "reason"]

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete what the retention policy no longer keeps, each deletion audited.",
            discussion: """
                Reads mashd's configuration (--config, default \(ConfigurationLoader.defaultPath)
                when it exists, and MASH_* variables) for its retention: section and, unless
                --database-url or MASH_DATABASE_URL is given, its databaseURL. Record types
                the section does not name keep their defaults:
                \(RetentionPolicy.RecordType.allCases.map { "\($0.rawValue) \($0.defaultPeriod)" }.joined(separator: ", ")).
                Prints, for each type, what was deleted (with --dry-run: what would be)
                and how many referrals due were kept under legal hold. A referral goes
                with its children, updates, decision and delivery history; its audit
                trail stays, with a purge entry naming the rule.
                One run at a time: a run that finds another in progress does nothing,
                says so on stderr and exits 0. A policy that cannot be read or
                accepted exits 1, naming every bad key.
                Examples:
                  mashctl retention run --dry-run
                  mashctl retention run --config /etc/mash-broker/mashd.yaml --format json
                """
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: FormatOptions
        @Flag(help: "Count what a run would delete; delete nothing.") var dryRun = false
        @Option(help: "mashd's configuration file (default: \(ConfigurationLoader.defaultPath), when it exists).") var config: String?

        static let columns = ["recordType", "period", "cutoff", "purged", "held"]

        func run() async throws {
            let settings: DaemonConfiguration
            do {
                settings = try ConfigurationLoader(path: config, environment: ProcessInfo.processInfo.environment, flags: [:]).load()
            } catch {
                throw CommandFailure(error.problems.map(\.description).joined(separator: "; "))
            }
            let policy = settings.retention
            let summary = try await connection.withStore(defaultURL: settings.databaseURL) { try await $0.runRetention(policy: policy, dryRun: dryRun) }
            guard let summary else {
                FileHandle.standardError.write(Data("another retention run is in progress: this one did nothing\n".utf8))
                RecordPrinter.printList([], columns: Self.columns, format: output.format)
                return
            }
            RecordPrinter.printList(summary.outcomes.map { outcome in
                Record([
                    ("recordType", .text(outcome.type.rawValue)), ("period", .text(outcome.period.description)),
                    ("cutoff", FieldValue(outcome.cutoff)), ("purged", .number(outcome.purged)), ("held", FieldValue(outcome.held)),
                    ("dryRun", .flag(summary.dryRun)),
                ])
            }, columns: Self.columns, format: output.format)
            if dryRun {
                FileHandle.standardError.write(Data("dry run: nothing was deleted; purged counts what a run would delete now\n".utf8))
            }
        }
    }

    /// The referrals a hold or a release is about: one by id, or every referral naming a child.
    struct HoldSelection: ParsableArguments {
        @Argument(help: "The referral's id.") var id: ReferralID?
        @Option(help: "Instead of an id: every referral naming a child with this NHS number, as it stands now.") var nhs: NHSNumber?
        @Option(help: "Why (required; kept in the audit log).") var reason: String

        func validate() throws {
            guard (id == nil) != (nhs == nil) else { throw ValidationError("give either a referral id or --nhs") }
            try ReasonText.check(reason)
        }

        var scope: LegalHoldScope { id == nil ? .child : .referral }

        func referrals(_ store: Store) async throws -> [UUID] {
            if let id { return [id.uuid] }
            return try await store.chronology(nhsNumber: nhs!.description).map(\.id)
        }

        /// Prints the holds: one record for a referral named by id, a list for a child.
        func show(_ holds: [Record], format: OutputFormat, columns: [String]) {
            if id != nil, let hold = holds.first {
                RecordPrinter.printRecord(hold, format: format)
            } else {
                RecordPrinter.printList(holds, columns: columns, format: format)
            }
        }
    }

    struct Hold: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Keep a referral, or every referral naming a child, whatever the retention policy says.",
            discussion: """
                For litigation, an inquiry, a safeguarding practice review or a
                subject-access request in progress. Each hold placed is audited (action
                hold) with its reason. A referral held already keeps its hold and
                reason (placed: no). --nhs holds the child's referrals received so far,
                not later ones.
                Examples:
                  mashctl retention hold 0b5c2a4e-8f1d-4c3e-9a77-2f6d1e0c9b41 \\
                    --reason "Care proceedings, case LA-2026-114"
                  mashctl retention hold --nhs 9434765919 --reason "Subject access SAR-2026-031"
                """
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: FormatOptions
        @OptionGroup var selection: HoldSelection

        func run() async throws {
            let holds = try await connection.withStore { store in
                try await store.placeLegalHolds(on: try await selection.referrals(store), reason: selection.reason, scope: selection.scope)
            }
            if let id = selection.id, holds.isEmpty {
                throw CommandFailure("there is no referral \(id.text) (`mashctl audit --referral \(id.text)` shows whether it was purged)")
            }
            selection.show(holds.map { hold, placed in
                var record = RetentionCommand.record(hold)
                record.fields.append(Record.Field(name: "placed", value: .flag(placed)))
                return record
            }, format: output.format, columns: RetentionCommand.holdColumns + ["placed"])
        }
    }

    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Release a legal hold: the next retention run deletes the referral if it is due.",
            discussion: """
                Each hold released is audited (action release) with its reason.
                Prints the holds released.
                Examples:
                  mashctl retention release 0b5c2a4e-8f1d-4c3e-9a77-2f6d1e0c9b41 --reason "Proceedings concluded"
                  mashctl retention release --nhs 9434765919 --reason "SAR-2026-031 answered"
                """
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: FormatOptions
        @OptionGroup var selection: HoldSelection

        func run() async throws {
            let released = try await connection.withStore { store in
                try await store.releaseLegalHolds(on: try await selection.referrals(store), reason: selection.reason, scope: selection.scope)
            }
            if let id = selection.id, released.isEmpty {
                throw CommandFailure("referral \(id.text) is not under legal hold; `mashctl retention holds` lists the holds")
            }
            selection.show(released.map(RetentionCommand.record), format: output.format, columns: RetentionCommand.holdColumns)
        }
    }

    struct Holds: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the legal holds in force, oldest first.",
            discussion: "Example: mashctl retention holds --format csv"
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: FormatOptions

        func run() async throws {
            let holds = try await connection.withStore { try await $0.legalHolds() }
            RecordPrinter.printList(holds.map(RetentionCommand.record), columns: RetentionCommand.holdColumns, format: output.format)
        }
    }
}
