import ArgumentParser
import MashReport
import MashStore

struct CaseloadsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "caseloads",
        abstract: "Open referrals per hub against its capacity, and per worker against the hub's limit.",
        discussion: """
            Open: not yet decided or closed. Anyone over their limit and any hub over capacity
            is flagged. JSON: {"hubs": [...], "workers": [...]}.
            Examples:
              mashctl caseloads
              mashctl caseloads --hub mash-screening --format json
            """
    )

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: FormatOptions
    @Option(help: "Only this hub.") var hub: String?

    func run() async throws {
        let (hubs, workers) = try await connection.withStore { try await $0.caseloads(hub: hub) }
        let hubRecords = hubs.map(Self.record)
        let workerRecords = workers.map(Self.record)
        switch output.format {
        case .json:
            print(RecordPrinter.json(Record([("hubs", .list(hubRecords)), ("workers", .list(workerRecords))])))
        case .csv, .table:
            RecordPrinter.printList(hubRecords, columns: ["hub", "open", "capacity", "overCapacity"], format: output.format)
            if output.format == .table { print("") }
            RecordPrinter.printList(workerRecords, columns: ["worker", "hub", "open", "limit", "overLimit"], format: output.format)
        }
    }

    static func record(_ hub: HubCaseload) -> Record {
        Record([("hub", .text(hub.hub)), ("open", .number(hub.open)), ("capacity", .number(hub.capacity)),
                ("workerLimit", .number(hub.workerLimit)), ("overCapacity", .flag(hub.overCapacity))])
    }

    static func record(_ worker: WorkerCaseload) -> Record {
        Record([("worker", .text(worker.worker)), ("hub", .text(worker.hub)), ("open", .number(worker.open)),
                ("limit", .number(worker.limit)), ("overLimit", .flag(worker.overLimit))])
    }
}
