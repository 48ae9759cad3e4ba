import ArgumentParser
import Foundation
import MashDomain
import MashStore
import MashTriage

struct RulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "The threshold document: how referrals are given a level, an urgency, a hub and a deadline.",
        discussion: "docs/THRESHOLDS.md explains the document for the MASH managers who edit it.",
        subcommands: [Check.self, Apply.self, Show.self, Explain.self]
    )

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a threshold document against the contract and the hubs in the database.",
            discussion: """
                Prints every problem with its line and exits 1 if there are any; otherwise
                prints a summary of the document. Example: mashctl --dev rules check config/thresholds.yaml
                """
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: FormatOptions
        @Argument(help: "The YAML file.") var file: String

        func run() async throws {
            let (document, _) = try await connection.withStore { try await RulesCommand.checked(file, store: $0, format: output.format) }
            RecordPrinter.printRecord(Record([
                ("file", .text(file)), ("name", .text(document.name)), ("rules", .number(document.rules.count)),
                ("modifiers", .number(document.modifiers.count)), ("timezone", .text(document.calendar.timeZone.identifier)),
                ("hubs", .list(document.hubs.sorted().map { Record([("id", .text($0))]) })),
            ]), format: output.format)
        }
    }

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a threshold document and, if it has no problems, make it the version every mashd uses.",
            discussion: """
                Stores the file verbatim as the next numbered version; running daemons load it
                within seconds, without a restart (mashctl status shows the version each uses).
                Example: mashctl rules apply my-thresholds.yaml
                """
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: FormatOptions
        @Argument(help: "The YAML file.") var file: String

        func run() async throws {
            let applied = try await connection.withStore { store in
                let (document, text) = try await RulesCommand.checked(file, store: store, format: output.format)
                return try await store.applyThresholds(document, text: text)
            }
            RecordPrinter.printRecord(RulesCommand.record(applied, withDocument: false), format: output.format)
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the threshold document in use, or an earlier version, exactly as applied.",
            discussion: "Example: mashctl rules show --version 3"
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: FormatOptions
        @Option(help: "The version to show (default: the latest).") var version: Int?

        func run() async throws {
            guard let shown = try await connection.withStore({ try await $0.thresholds(version: version) }) else {
                throw CommandFailure(version.map { "there is no threshold version \($0)" } ?? "no threshold document has been applied yet")
            }
            RecordPrinter.printRecord(RulesCommand.record(shown, withDocument: true), format: output.format)
        }
    }

    struct Explain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Triage a referral again and show each rule and modifier tried, and why it matched or not.",
            discussion: """
                Evaluates the threshold document in use (or --rules FILE) as if the referral
                arrived at --at (default now), with its children's history as it stood then.
                A stored referral is given by id; a document not sent yet by --file, with the
                --agency sending it. Nothing is stored.
                Examples:
                  mashctl rules explain 0b5c2a4e-8f1d-4c3e-9a77-2f6d1e0c9b41
                  mashctl rules explain --file referral.json --agency demo-police --at 2026-12-24T17:30:00Z
                  mashctl rules explain 0b5c2a4e-8f1d-4c3e-9a77-2f6d1e0c9b41 --rules draft.yaml
                """
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: FormatOptions
        @Argument(help: "The id of a stored referral.") var id: String?
        @Option(help: "A referral document (JSON) instead of a stored referral.") var file: String?
        @Option(help: "The agency sending --file (its kind is part of triage).") var agency: String?
        @Option(help: "When the referral is taken to arrive: an RFC 3339 time (default now).") var at: String?
        @Option(help: "A threshold document to use instead of the one in use.") var rules: String?

        func validate() throws {
            guard (id == nil) != (file == nil) else { throw ValidationError("give either a referral id or --file, not both") }
            if let id, UUID(uuidString: id) == nil { throw ValidationError("'\(id)' is not a referral id") }
            if file != nil, agency == nil { throw ValidationError("--file needs --agency: the sending agency's kind is part of triage") }
            if let at, RFC3339.parse(at) == nil { throw ValidationError("--at '\(at)' is not an RFC 3339 time such as 2026-12-24T17:30:00Z") }
        }

        func run() async throws {
            let arrival = at.flatMap(RFC3339.parse) ?? Date()
            let referralID = id.flatMap(UUID.init(uuidString:))
            let (version, subject, history, decision) = try await connection.withStore { store -> (Int?, String, ReferralHistory, TriageDecision) in
                let (engine, version) = try await thresholds(store)
                let (subject, referral, agencyKind) = try await explained(store, arrival: arrival, referralID: referralID)
                // A stored referral's own record is not part of its history.
                let history = try await store.history(of: referral, before: arrival, excluding: referralID)
                let input = TriageInput(referral: referral, agencyKind: agencyKind, arrival: arrival, history: history)
                return (version, subject, history, engine.triage(input, explain: true))
            }
            RecordPrinter.printRecord(Record([
                ("referral", .text(subject)), ("at", .time(arrival)), ("rulesVersion", version.map { .number($0) } ?? .text(rules ?? "")),
                ("level", .number(decision.level)), ("rag", .text(decision.rag.rawValue)), ("hub", .text(decision.hub)),
                ("dueAt", .time(decision.deadline)), ("flags", .names(decision.flags)), ("ruleId", .text(decision.rule)),
                ("modifiers", .names(decision.modifiers)), ("outOfHours", .flag(decision.outOfHours)),
                ("priorReferrals", .number(history.priorReferrals.count)), ("openCaseHub", FieldValue(history.openCaseHub)),
                ("rules", TriageReplay.trace(decision)),
            ]), format: output.format)
        }

        /// The engine for --rules, or for the version in use (with its number).
        private func thresholds(_ store: Store) async throws -> (TriageEngine, Int?) {
            if let rules {
                let (document, _) = try await RulesCommand.checked(rules, store: store, format: output.format)
                return (TriageEngine(document: document), nil)
            }
            return try await TriageReplay.engine(store: store)
        }

        /// What is explained: the stored referral, or --file as --agency would send it.
        private func explained(_ store: Store, arrival: Date, referralID: UUID?) async throws -> (String, Referral, AgencyKind) {
            if let id, let referralID {
                guard let stored = try await store.storedReferral(id: referralID) else {
                    throw CommandFailure("there is no referral \(id); `mashctl inbox HUB` lists a hub's referrals")
                }
                return (id, try TriageReplay.referral(stored, at: arrival), stored.agencyKind)
            }
            let file = file!
            guard let sender = try await store.agencies().first(where: { $0.id == agency }) else {
                throw CommandFailure("there is no agency \(agency!); `mashctl agency list` shows the agencies")
            }
            let body = Array(try RulesCommand.read(file).utf8)
            return (file, try TriageReplay.referral(body, receivedAt: arrival, agencyKind: sender.kind, source: file), sender.kind)
        }
    }

    static func record(_ applied: ThresholdVersion, withDocument: Bool) -> Record {
        var fields: [(String, FieldValue)] = [
            ("version", .number(applied.version)), ("name", .text(applied.name)),
            ("appliedAt", .time(applied.appliedAt)), ("appliedBy", .text(applied.appliedBy)),
        ]
        if withDocument { fields.append(("document", .text(applied.document))) }
        return Record(fields)
    }

    static func read(_ file: String) throws -> String {
        do {
            return try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw CommandFailure("cannot read \(file): \(error.localizedDescription)")
        }
    }

    /// The document in `file`, checked against the hubs in the database, with the
    /// text it was read from; on problems, prints every one with its line and fails.
    static func checked(_ file: String, store: Store, format: OutputFormat) async throws -> (ThresholdDocument, String) {
        let text = try read(file)
        let hubs = try await store.hubs()
        switch ThresholdParser.parse(text, knownHubs: Set(hubs.map(\.id))) {
        case .success(let document):
            return (document, text)
        case .failure(let error):
            RecordPrinter.printList(
                error.problems.map { Record([("line", .number($0.line)), ("problem", .text($0.message))]) },
                columns: ["line", "problem"], format: format
            )
            throw CommandFailure("\(error.problems.count) problem\(error.problems.count == 1 ? "" : "s") in \(file)")
        }
    }
}
