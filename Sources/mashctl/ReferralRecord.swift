import MashStore

/// A referral as every command prints it. The JSON names are CONTRACT §5's:
/// `id`, `reference`, `agency`, `receivedAt`, `status`, `level`, `rag`, `hub`,
/// `dueAt`, `flags`, `ruleId`, `rulesVersion` (null until triaged).
enum ReferralRecord {
    static let columns = ["rag", "level", "dueAt", "status", "id", "agency", "reference", "receivedAt", "flags"]

    static func record(_ referral: ReferralSummary) -> Record {
        let triage = referral.triage
        return Record([
            ("id", .text(referral.id.uuidString.lowercased())), ("reference", .text(referral.reference)),
            ("agency", .text(referral.agencyID)), ("receivedAt", .time(referral.receivedAt)), ("status", .text(referral.status)),
            ("level", triage.map { .number($0.level) } ?? .null), ("rag", FieldValue(triage?.rag.rawValue)), ("hub", FieldValue(triage?.hub)),
            ("dueAt", FieldValue(triage?.deadline)), ("flags", .names(triage?.flags ?? [])), ("ruleId", FieldValue(triage?.rule)),
            ("modifiers", .names(triage?.modifiers ?? [])), ("rulesVersion", triage.map { .number($0.thresholdVersion) } ?? .null),
        ])
    }
}
