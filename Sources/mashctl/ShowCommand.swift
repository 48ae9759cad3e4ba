import ArgumentParser
import Foundation
import MashStore
import MashTriage

struct ShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "A referral in full: document, updates, triage explanation, delivery history, the children's other referrals, audit trail.",
        discussion: """
            Looking is recorded in the audit log (action view), before anything is printed.
            Examples:
              mashctl show 0b5c2a4e-8f1d-4c3e-9a77-2f6d1e0c9b41
              mashctl show 0b5c2a4e-8f1d-4c3e-9a77-2f6d1e0c9b41 --format json
            """
    )

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: FormatOptions
    @Argument(help: "The referral's id.") var id: ReferralID

    func run() async throws {
        try await connection.withStore { try await Self.show(id.uuid, via: "show", store: $0, format: output.format) }
    }

    /// Prints the referral's file, its look audited `via` a command.
    static func show(_ id: UUID, via: String, store: Store, format: OutputFormat) async throws {
        guard let file = try await store.referralFile(id: id, recordedAs: .view, via: via) else {
            throw CommandFailure("there is no referral \(id.uuidString.lowercased()); `mashctl inbox HUB` lists a hub's referrals")
        }
        RecordPrinter.printRecord(record(file, explanation: try await explanation(of: file.stored, store: store)), format: format)
    }

    /// The triage as it was made: the version that made it, at arrival, with the
    /// children's history as it stood then.
    static func explanation(of stored: StoredReferral, store: Store) async throws -> TriageDecision? {
        guard let triage = stored.summary.triage else { return nil }
        let (engine, _) = try await TriageReplay.engine(version: triage.thresholdVersion, store: store)
        let arrival = stored.summary.receivedAt
        let referral = try TriageReplay.referral(stored, at: arrival)
        let history = try await store.history(of: referral, before: arrival, excluding: stored.summary.id)
        return engine.triage(TriageInput(referral: referral, agencyKind: stored.agencyKind, arrival: arrival, history: history), explain: true)
    }

    static func record(_ file: ReferralFile, explanation: TriageDecision?) -> Record {
        var record = ReferralRecord.record(file.stored.summary)
        let decision = file.decision.map { decision in
            FieldValue.record(Record([
                ("outcome", .text(decision.outcome)), ("decidedAt", .time(decision.decidedAt)), ("decidedBy", .text(decision.decidedBy)),
                ("reason", .text(decision.reason)), ("feedback", FieldValue(decision.feedback)),
            ]))
        } ?? .null
        record.fields += Record([
            ("assignedTo", FieldValue(file.assignedTo)), ("decision", decision), ("warnings", .rawJSON(file.warnings)),
            ("document", .rawJSON(file.stored.document)),
            ("updates", .list(file.updates.map { update in
                Record([("reference", .text(update.reference)), ("receivedAt", .time(update.receivedAt)), ("level", FieldValue(update.level)),
                        ("rag", FieldValue(update.rag)), ("hub", FieldValue(update.hub)), ("raised", .flag(update.raised))])
            })),
            ("triage", explanation.map(TriageReplay.trace) ?? .null),
            ("deliveryHistory", .list(file.deliveryHistory.map { event in
                Record([("at", .time(event.at)), ("event", .text(event.event)), ("hub", FieldValue(event.hub)),
                        ("actor", .text(event.actor)), ("detail", .rawJSON(event.detail))])
            })),
            ("otherReferrals", .list(file.relatedReferrals.map { other in
                Record([("id", .text(other.id.uuidString.lowercased())), ("receivedAt", .time(other.receivedAt)), ("agency", .text(other.agencyID)),
                        ("status", .text(other.status)), ("hub", FieldValue(other.triage?.hub)), ("rag", FieldValue(other.triage?.rag.rawValue))])
            })),
            ("auditTrail", .list(file.auditTrail.map(AuditCommand.record))),
        ]).fields
        return record
    }
}
