import ArgumentParser
import MashStore

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the schema and threshold versions, the daemons seen in the last minute, referral counts and inbox depths.",
        discussion: "Example: mashctl --dev status --format json"
    )

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: FormatOptions

    func run() async throws {
        let migrator = Migrator()
        let (status, thresholds) = try await connection.withStore { store in
            (try await store.status(schemaVersion: try await migrator.appliedVersion(store.pool)), try await store.thresholds())
        }
        RecordPrinter.printRecord(Record([
            ("schemaVersion", .number(status.schemaVersion)),
            ("buildSchemaVersion", .number(migrator.latestVersion)),
            ("thresholdVersion", thresholds.map { .number($0.version) } ?? .null),
            ("thresholdName", thresholds.map { .text($0.name) } ?? .null),
            ("daemons", .list(status.daemons.map { daemon in
                Record([("host", .text(daemon.host)), ("pid", .number(daemon.pid)), ("version", .text(daemon.version)),
                        ("listen", .text(daemon.listen)), ("seenAt", .time(daemon.seenAt)),
                        ("thresholdVersion", daemon.thresholdVersion.map { .number($0) } ?? .null)])
            })),
            ("referrals", .list(status.referralsByStatus.map { Record([("status", .text($0.status)), ("count", .number($0.count))]) })),
            ("inboxes", .list(status.inboxes.map { Record([("hub", .text($0.hub)), ("open", .number($0.open)), ("overdue", .number($0.overdue)), ("undelivered", .number($0.undelivered))]) })),
            ("overdue", .number(status.inboxes.map(\.overdue).reduce(0, +))),
            ("quarantined", .number(status.quarantined)),
        ]), format: output.format)
    }
}
