import ArgumentParser
import MashStore

struct HubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hub",
        abstract: "Manage hubs: the teams whose inboxes referrals are routed to.",
        subcommands: [Add.self, List.self, Update.self]
    )

    static let columns = ["id", "name", "capacity", "workerLimit", "deliveryWindow", "createdAt"]

    static func record(_ hub: Hub) -> Record {
        Record([("id", .text(hub.id)), ("name", .text(hub.name)), ("capacity", .number(hub.capacity)), ("workerLimit", .number(hub.workerLimit)),
                ("deliveryWindow", .text(hub.deliveryWindow.compactDescription)), ("createdAt", .time(hub.createdAt))])
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a hub.",
            discussion: "Example: mashctl hub add lado --name \"LADO\" --capacity 40 --delivery-window 1d"
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: FormatOptions
        @Argument(help: "Identifier: lower-case letters, digits, - and _.") var id: String
        @Option(help: "The hub's name.") var name: String
        @Option(help: "Open referrals the hub can hold (default 120).") var capacity: Int?
        @Option(help: "Time to acknowledge a referral before it is reported undelivered, e.g. 5d (default).") var deliveryWindow: DurationArgument?
        @Option(help: "Open referrals one worker may hold before `caseloads` flags them (default 20).") var workerLimit: Int?

        func run() async throws {
            let hub = try await connection.withStore {
                try await $0.addHub(id: id, name: name, capacity: capacity, deliveryWindow: deliveryWindow?.duration, workerLimit: workerLimit)
            }
            RecordPrinter.printRecord(HubCommand.record(hub), format: output.format)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List hubs, with their open referrals against capacity.",
            discussion: "Example: mashctl hub list"
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: FormatOptions

        func run() async throws {
            let (hubs, loads) = try await connection.withStore { (try await $0.hubs(), try await $0.caseloads().hubs) }
            let records = hubs.map { hub in
                var record = HubCommand.record(hub)
                let load = loads.first { $0.hub == hub.id }
                record.fields += Record([("open", .number(load?.open ?? 0)), ("overCapacity", .flag(load?.overCapacity ?? false))]).fields
                return record
            }
            RecordPrinter.printList(records, columns: ["id", "name", "open", "capacity", "overCapacity", "workerLimit", "deliveryWindow"], format: output.format)
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a hub's name, capacity, delivery window or per-worker caseload limit.",
            discussion: "Example: mashctl hub update edt --capacity 30"
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: FormatOptions
        @Argument(help: "The hub's identifier.") var id: String
        @Option(help: "A new name.") var name: String?
        @Option(help: "A new capacity.") var capacity: Int?
        @Option(help: "A new delivery window, e.g. 3d.") var deliveryWindow: DurationArgument?
        @Option(help: "A new per-worker caseload limit.") var workerLimit: Int?

        func validate() throws {
            guard name != nil || capacity != nil || deliveryWindow != nil || workerLimit != nil else {
                throw ValidationError("give at least one of --name, --capacity, --delivery-window, --worker-limit")
            }
        }

        func run() async throws {
            let hub = try await connection.withStore {
                try await $0.updateHub(id: id, name: name, capacity: capacity, deliveryWindow: deliveryWindow?.duration, workerLimit: workerLimit)
            }
            RecordPrinter.printRecord(HubCommand.record(hub), format: output.format)
        }
    }
}
