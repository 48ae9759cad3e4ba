import Foundation
import Metrics
import MashDomain
import MashTriage
import Postgres

/// What the referring agency is told when its referral is accepted (and again,
/// unchanged, when it retries the same reference with the same document).
public struct Acknowledgement: Sendable, Equatable, Codable {
    public let id: UUID
    public let reference: String
    public let receivedAt: Date
    public let status: String
    public let warnings: [DocumentProblem]
}

/// The outcome of offering a referral for intake.
public enum IntakeOutcome: Sendable, Equatable {
    /// Stored now, durably committed.
    case created(Acknowledgement)
    /// Stored before under this reference with the same document: nothing new stored.
    case replayed(Acknowledgement)
    /// Stored before under this reference with a different document: refused.
    case referenceReused
}

/// The threshold document intake triages with, and its version.
public struct IntakeThresholds: Sendable {
    public let version: Int
    public let engine: TriageEngine

    public init(version: Int, engine: TriageEngine) {
        self.version = version
        self.engine = engine
    }
}

/// A validated referral waiting to be triaged and stored.
struct ReferralSubmission: Sendable {
    let agencyID: String
    let agencyKind: AgencyKind
    let referral: Referral
    /// The request body, exactly as sent.
    let document: String
    let warnings: [DocumentProblem]
    let thresholds: IntakeThresholds

    var reference: String { referral.reference }

    var key: ReferralKey { ReferralKey(agencyID: agencyID, reference: reference) }

    func warningsJSON() throws -> String {
        warnings.isEmpty ? "[]" : try Store.json(warnings)
    }
}

/// The statement that stores a batch of triaged referrals and the children of
/// those actually inserted. The referrals are rows of bound parameters, so that
/// documents of kilobytes are sent as they are rather than escaped into an array;
/// the children, small values, are arrays. So the text depends only on how many
/// referrals there are, and each size is prepared once per connection.
struct StoreReferralsStatement {
    private let shared: [(any PostgresEncodable)?]
    private var referrals: [(any PostgresEncodable)?] = []
    private var referralCount = 0
    private var children = [[String?]](repeating: [], count: 7)

    /// How the referral columns are cast (the statement's order), then status and arrival.
    private static let referralCasts = ["", "", "::json", "::jsonb", "::int", "::smallint", "", "", "::timestamptz", "::jsonb", "", "::jsonb", "::int", "::timestamptz"]

    /// `status` and `arrival` are shared by every referral in the batch.
    init(status: String, arrival: Date) {
        shared = [status, arrival]
    }

    mutating func append(_ submission: ReferralSubmission, _ decision: TriageDecision, history: ReferralHistory) throws {
        referrals += [
            submission.agencyID, submission.reference, submission.document, try submission.warningsJSON(),
            submission.thresholds.version, decision.level, decision.rag.rawValue, decision.hub, decision.deadline,
            decision.flags.isEmpty ? "[]" : try Store.json(decision.flags), decision.rule,
            decision.modifiers.isEmpty ? "[]" : try Store.json(decision.modifiers),
            history.priorReferrals.count, history.priorReferrals.last,
        ]
        referralCount += 1
    }

    mutating func append(_ child: ChildKey, of referral: ReferralKey) {
        let values = [referral.agencyID, referral.reference, child.nhsNumber, child.familyNameKey, child.dateOfBirth, child.expectedDueDate, child.postcode]
        for (column, value) in values.enumerated() { children[column].append(value) }
    }

    /// The prepared statement's name: one per batch size.
    var name: String { "mash_store_referrals_\(referralCount)" }

    var parameters: [(any PostgresEncodable)?] { shared + referrals + children.map { PostgresArray($0) } }

    var sql: String {
        let casts = Self.referralCasts
        let rows = (0..<referralCount).map { row in
            "(" + casts.enumerated().map { "$\(3 + row * casts.count + $0)\($1)" }.joined(separator: ", ") + ", $1, $2)"
        }
        let firstChildArray = 3 + referralCount * casts.count
        let childArrays = ["text", "text", "text", "text", "date", "date", "text"].enumerated().map { "$\(firstChildArray + $0)::\($1)[]" }
        return """
            WITH inserted AS (
                INSERT INTO referrals (agency_id, reference, document, warnings, threshold_version, level, rag, hub_id,
                                       deadline, flags, triage_rule, triage_modifiers, prior_referrals, last_referred_at,
                                       status, received_at)
                VALUES \(rows.joined(separator: ", "))
                ON CONFLICT (agency_id, reference) DO NOTHING
                RETURNING agency_id, reference, id, received_at
            ), children AS (
                INSERT INTO referral_children (referral_id, received_at, nhs_number, family_name_key, date_of_birth, expected_due_date, postcode)
                SELECT i.id, i.received_at, c.nhs, c.family, c.dob, c.due, c.postcode
                FROM inserted i
                JOIN unnest(\(childArrays.joined(separator: ", "))) AS c (agency_id, reference, nhs, family, dob, due, postcode)
                  USING (agency_id, reference)
            )
            SELECT * FROM inserted
            """
    }
}

/// What makes a referral unique: its agency's reference.
struct ReferralKey: Hashable {
    let agencyID: String
    let reference: String
}

/// A referral as its agency may see it.
public struct ReferralStatusView: Sendable, Equatable {
    public let id: UUID
    public let reference: String
    public let receivedAt: Date
    public let status: String
    /// Nil until a screening decision is recorded.
    public let decision: ScreeningDecision?
}

extension Store {
    /// The status a referral has when intake stores it: triaged and in its hub's inbox.
    public static let intakeStatus = "queued"

    /// Triages a validated referral against its children's history and stores it,
    /// in its hub's inbox, unless the agency sent this reference before; returns
    /// once it is durably committed.
    ///
    /// Concurrent referrals are written together (see `GroupCommit`): one statement
    /// reads the history of every child in the batch, then one statement stores the
    /// referrals, their triage and their children, so one commit serves the batch
    /// and no referral is ever stored without its triage and hub. The unique
    /// (agency, reference) index makes a concurrent duplicate wait for the first and
    /// then find its row, so two can never both be stored. Documents are compared as
    /// jsonb, so key order and white space do not make a retry "different".
    public func accept(
        agencyID: String, agencyKind: AgencyKind, referral: Referral, document: String,
        warnings: [DocumentProblem], thresholds: IntakeThresholds
    ) async throws -> IntakeOutcome {
        try await intake.submit(ReferralSubmission(
            agencyID: agencyID, agencyKind: agencyKind, referral: referral, document: document, warnings: warnings, thresholds: thresholds
        ))
    }

    /// Writes a batch of referrals; once committed, the hubs that received them
    /// are signalled, so that consumers waiting on their inboxes lease them at once,
    /// and each new referral's triage is counted (`mash_triage_total` by level,
    /// RAG and hub).
    static func storeReferrals(
        _ batch: [ReferralSubmission], on connection: PostgresConnection, signals: InboxSignals
    ) -> [Result<IntakeOutcome, any Error>] {
        writeSplittingOnFailure(batch) { batch in
            let stored = try insert(batch, on: connection)
            signals.committed(stored.hubs)
            for decision in stored.triaged {
                Counter(label: "mash_triage_total", dimensions: [
                    ("level", String(decision.level)), ("rag", decision.rag.rawValue), ("hub", decision.hub),
                ]).increment()
            }
            return stored.outcomes
        }
    }

    /// Triages the batch and stores it with one statement; referrals whose
    /// reference was taken are then looked up one by one (a retry, or a reference
    /// reused), which is rare. Returns each referral's outcome, how many new
    /// referrals each hub received, and the triage of each new referral.
    private static func insert(
        _ batch: [ReferralSubmission], on connection: PostgresConnection
    ) throws -> (outcomes: [IntakeOutcome], hubs: [String: Int], triaged: [TriageDecision]) {
        // Rows go in (agency, reference) order, so that concurrent batches take their
        // unique-index entries in the same order and cannot deadlock; for a key sent
        // twice in one batch, the first in this order is the one stored.
        let order = batch.indices.sorted { (batch[$0].agencyID, batch[$0].reference) < (batch[$1].agencyID, batch[$1].reference) }
        let arrival = Date()
        let histories = try histories(of: batch.map(\.referral), on: connection)
        var statement = StoreReferralsStatement(status: intakeStatus, arrival: arrival)
        var stored: Set<ReferralKey> = []
        var decisions: [ReferralKey: TriageDecision] = [:]
        for index in order {
            let submission = batch[index]
            let decision = submission.thresholds.engine.triage(TriageInput(
                referral: submission.referral, agencyKind: submission.agencyKind, arrival: arrival, history: histories[index]
            ))
            try statement.append(submission, decision, history: histories[index])
            // Children only for the first of a key sent twice in one batch: the one stored.
            guard stored.insert(submission.key).inserted else { continue }
            decisions[submission.key] = decision
            for child in submission.referral.children {
                statement.append(ChildKey(child), of: submission.key)
            }
        }
        let inserted = try connection.query(prepared: statement.name, statement.sql, statement.parameters)
        var created: [ReferralKey: (id: UUID, receivedAt: Date)] = [:]
        for row in inserted {
            let key = ReferralKey(agencyID: try row.require(String.self, "agency_id"), reference: try row.require(String.self, "reference"))
            created[key] = (try row.require(UUID.self, "id"), try row.require(Date.self, "received_at"))
        }
        let triaged = created.keys.compactMap { decisions[$0] }
        let receiving = Dictionary(triaged.map { ($0.hub, 1) }, uniquingKeysWith: +)
        var outcomes = [IntakeOutcome?](repeating: nil, count: batch.count)
        for index in order {
            let submission = batch[index]
            if let row = created.removeValue(forKey: submission.key) {
                outcomes[index] = .created(Acknowledgement(
                    id: row.id, reference: submission.reference, receivedAt: row.receivedAt, status: intakeStatus, warnings: submission.warnings
                ))
            } else {
                outcomes[index] = try earlier(submission, on: connection)
            }
        }
        return (outcomes.map { $0! }, receiving, triaged)
    }

    /// The outcome for a referral whose (agency, reference) is already stored.
    private static func earlier(_ submission: ReferralSubmission, on connection: PostgresConnection) throws -> IntakeOutcome {
        let existing = try connection.query("""
            SELECT id, received_at, warnings::text AS warnings, document::jsonb = $3::jsonb AS same
            FROM referrals WHERE agency_id = $1 AND reference = $2
            """, [submission.agencyID, submission.reference, submission.document])
        guard let row = existing.first else {
            throw StoreError(.notFound, "the referral holding this reference disappeared during intake")
        }
        guard try row.require(Bool.self, "same") else { return .referenceReused }
        let storedWarnings = try JSONDecoder().decode([DocumentProblem].self, from: Data(try row.require(String.self, "warnings").utf8))
        return .replayed(Acknowledgement(
            id: try row.require(UUID.self, "id"), reference: submission.reference,
            receivedAt: try row.require(Date.self, "received_at"), status: intakeStatus, warnings: storedWarnings
        ))
    }

    /// A referral, only if it belongs to `agencyID`; the look is audited (actor `agency:<id>`).
    public func referral(id: UUID, agencyID: String) async throws -> ReferralStatusView? {
        try await run { connection in
            let rows = try connection.query("""
                WITH seen AS (
                    SELECT id, reference, received_at, status, outcome, decided_at, decision_feedback
                    FROM referrals WHERE id = $1 AND agency_id = $2
                ), audited AS (
                    INSERT INTO audit_log (actor, action, referral_id, detail)
                    SELECT 'agency:' || $2, 'view', id, '{"via": "api"}' FROM seen
                )
                SELECT * FROM seen
                """, [id, agencyID])
            return try rows.first.map { row in
                ReferralStatusView(
                    id: try row.require(UUID.self, "id"), reference: try row.require(String.self, "reference"),
                    receivedAt: try row.require(Date.self, "received_at"), status: try row.require(String.self, "status"),
                    decision: try row.decode(String.self, "outcome") == nil ? nil : try ScreeningDecision(row: row)
                )
            }
        }
    }
}
