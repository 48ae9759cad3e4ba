import Foundation
import MashDomain
@testable import MashStore
import MashTesting
import Postgres
import MashTriage
import Testing

@Suite("Storing referrals")
struct IntakeTests {
    let store: Store
    let thresholds: IntakeThresholds

    init() async throws {
        store = try await TestCluster.freshDatabase().store(maxConnections: 16)
        _ = try await store.addAgency(id: "tvp", name: "Thames Valley Police", kind: .police)
        _ = try await store.addAgency(id: "nhs", name: "Health", kind: .health)
        thresholds = try await TestIntake.prepare(store)
    }

    /// Offers a referral as the API would: `document` is stored as sent (the store
    /// compares documents, it does not read them); the referral triaged is a valid
    /// one with the same reference.
    func accept(_ agency: String, _ reference: String, _ document: String, warnings: [DocumentProblem]) async throws -> IntakeOutcome {
        try await store.accept(
            agencyID: agency, agencyKind: .police, referral: try TestIntake.referral(reference: reference),
            document: document, warnings: warnings, thresholds: thresholds
        )
    }

    func submission(_ agency: String, _ reference: String, _ document: String, warnings: [DocumentProblem]) throws -> ReferralSubmission {
        ReferralSubmission(
            agencyID: agency, agencyKind: .police, referral: try TestIntake.referral(reference: reference),
            document: document, warnings: warnings, thresholds: thresholds
        )
    }

    static let document = #"{"reference": "R-1", "children": [{"familyName": "Khan"}], "immediateDanger": false}"#
    static let sameDocumentReordered = #"{"immediateDanger":false,"children":[{"familyName":"Khan"}],"reference":"R-1"}"#
    static let otherDocument = #"{"reference": "R-1", "children": [{"familyName": "Jones"}], "immediateDanger": true}"#
    static let warning = DocumentProblem(pointer: JSONPointer.root.appending("consent"), detail: "consent is not recorded")

    /// sql/0009: a document of a few kilobytes lives in the TOAST relation, so
    /// that delivery's updates of the row copy a pointer to it, not the document.
    /// (Before it, such a document was compressed and kept in the row.)
    @Test func aDocumentOfAFewKilobytesIsStoredOutOfItsRow() async throws {
        let toastBytes = { [store] in
            try await store.run { try $0.query("SELECT pg_relation_size(reltoastrelid) AS bytes FROM pg_class WHERE oid = 'referrals'::regclass")[0].require(Int.self, "bytes") }
        }
        #expect(try await toastBytes() == 0)
        // About 2.5 kB that compresses as a referral's text does: partly.
        let notes = (1...25).map { "Concern \($0) (\(UUID().uuidString)): the child said that the adult at home shouts." }.joined(separator: " ")
        let document = #"{"reference": "R-1", "notes": "\#(notes)"}"#
        guard case .created = try await accept("tvp", "R-1", document, warnings: []) else {
            Issue.record("the referral was not stored")
            return
        }
        #expect(try await toastBytes() > 0, "the document went out of line")
        let stored = try await store.run { try $0.query("SELECT document::text FROM referrals WHERE reference = 'R-1'")[0].require(String.self, "document") }
        #expect(stored == document, "and reads back whole, byte for byte as sent (key order and white space too)")
    }

    /// docs/API.md: a lease carries the document byte for byte as the agency sent
    /// it, white space and key order included (sql/0012).
    @Test func aLeaseCarriesTheDocumentAsSent() async throws {
        let sent = "{\n  \"reference\": \"R-1\",\n  \"immediateDanger\": false,\n  \"children\": [ {\"familyName\": \"Khan\"} ]\n}"
        guard case .created = try await accept("tvp", "R-1", sent, warnings: []) else {
            Issue.record("the referral was not stored")
            return
        }
        let hub = try await store.run { try $0.query("SELECT hub_id FROM referrals")[0].require(String.self, "hub_id") }
        let leases = try await store.lease(hub: hub, max: 1, seconds: 60, actor: "hub:test")
        #expect(leases.count == 1)
        #expect(leases.first?.json.contains(#""document" : \#(sent)"#) == true, "\(leases.first?.json ?? "no lease")")
    }

    @Test func aRetryWithTheSameDocumentReplaysTheOriginalAcknowledgement() async throws {
        guard case .created(let first) = try await accept("tvp", "R-1", Self.document, warnings: [Self.warning]) else {
            Issue.record("the first submission should be created")
            return
        }
        #expect(first.status == "queued")
        let retry = try await accept("tvp", "R-1", Self.sameDocumentReordered, warnings: [])
        #expect(retry == .replayed(first), "same id, time, status and warnings as the original")
        #expect(try await referralCount() == 1)
    }

    @Test func aReusedReferenceWithADifferentDocumentIsRefusedAndChangesNothing() async throws {
        _ = try await accept("tvp", "R-1", Self.document, warnings: [])
        #expect(try await accept("tvp", "R-1", Self.otherDocument, warnings: []) == .referenceReused)
        let stored = try await store.pool.withConnection {
            try $0.query("SELECT document->'children'->0->>'familyName' AS name FROM referrals")[0].require(String.self, "name")
        }
        #expect(stored == "Khan")
    }

    @Test func referencesAreUniquePerAgencyNotGlobally() async throws {
        guard case .created = try await accept("tvp", "R-1", Self.document, warnings: []),
              case .created = try await accept("nhs", "R-1", Self.otherDocument, warnings: [])
        else {
            Issue.record("both agencies' referrals should be created")
            return
        }
        #expect(try await referralCount() == 2)
    }

    @Test func concurrentDuplicatesStoreExactlyOneReferral() async throws {
        let outcomes = try await withThrowingTaskGroup(of: IntakeOutcome.self) { group in
            for _ in 0..<24 {
                group.addTask { try await accept("tvp", "R-1", Self.document, warnings: []) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let created = outcomes.compactMap { if case .created(let ack) = $0 { ack } else { nil } }
        let replayed = outcomes.compactMap { if case .replayed(let ack) = $0 { ack } else { nil } }
        #expect(created.count == 1)
        #expect(replayed.count == 23)
        #expect(Set(replayed.map(\.id)) == [created[0].id])
        #expect(try await referralCount() == 1)
    }

    @Test func anAgencySeesOnlyItsOwnReferrals() async throws {
        guard case .created(let ack) = try await accept("tvp", "R-1", Self.document, warnings: []) else {
            Issue.record("should be created")
            return
        }
        #expect(try await store.referral(id: ack.id, agencyID: "tvp")?.reference == "R-1")
        #expect(try await store.referral(id: ack.id, agencyID: "nhs") == nil)
        #expect(try await store.referral(id: UUID(), agencyID: "tvp") == nil)
    }

    @Test func quarantineKeepsTheRawBodyAndEveryProblem() async throws {
        let body: [UInt8] = Array(#"{"reference": 12"#.utf8) + [0xFF]
        let problems = [DocumentProblem(pointer: .root, detail: "malformed JSON at byte 16: invalid UTF-8")]
        try await store.quarantine(agencyID: "tvp", contentType: "application/json", body: body, httpStatus: 400, problems: problems)
        let listed = try await store.quarantineEntries()
        #expect(listed.count == 1)
        #expect(listed[0].body == nil)
        let entry = try await store.quarantineEntry(id: listed[0].id)
        #expect(entry.body == body)
        #expect(entry.problems == problems)
        #expect(entry.httpStatus == 400)
        #expect(entry.agencyID == "tvp")
    }

    @Test func aBatchStoresEachReferralOnceAndAnswersEachInItsOwnRight() async throws {
        _ = try await accept("tvp", "R-0", Self.document, warnings: [])
        let batch = [
            try submission("tvp", "R-1", Self.document, warnings: [Self.warning]),
            try submission("tvp", "R-0", Self.sameDocumentReordered, warnings: []),
            try submission("nhs", "R-1", Self.otherDocument, warnings: []),
            // The same reference twice in one batch: stored once, the second compared with it.
            try submission("tvp", "R-1", Self.otherDocument, warnings: []),
            try submission("nhs", "R-1", Self.otherDocument, warnings: []),
        ]
        let signals = store.signals
        let outcomes = try await store.pool.withConnection { Store.storeReferrals(batch, on: $0, signals: signals) }.map { try $0.get() }
        guard case .created(let tvp) = outcomes[0], case .replayed = outcomes[1], case .created(let nhs) = outcomes[2] else {
            Issue.record("expected created, replayed, created; got \(outcomes)")
            return
        }
        #expect(tvp.warnings == [Self.warning])
        #expect(outcomes[3] == .referenceReused)
        #expect(outcomes[4] == .replayed(nhs))
        #expect(try await referralCount() == 3)
    }

    @Test func aReferralTheDatabaseRefusesFailsAloneAndItsNeighboursAreStored() async throws {
        // A document PostgreSQL cannot read as JSON (validation never lets one
        // through): the batch statement fails as a whole, and each referral is then
        // retried on its own.
        let batch = try [("tvp", Self.document), ("nhs", "{\"reference\": "), ("nhs", Self.otherDocument)].enumerated().map {
            try submission($1.0, "R-\($0)", $1.1, warnings: [])
        }
        let signals = store.signals
        let results = try await store.pool.withConnection { Store.storeReferrals(batch, on: $0, signals: signals) }
        guard case .success(.created) = results[0], case .failure(let error as PostgresError) = results[1], case .success(.created) = results[2] else {
            Issue.record("expected created, a PostgresError, created; got \(results)")
            return
        }
        #expect(error.sqlState == "22P02")
        #expect(try await referralCount() == 2)
    }

    @Test func manyConcurrentReferralsAreEachStoredOnce() async throws {
        let outcomes = try await withThrowingTaskGroup(of: IntakeOutcome.self) { group in
            for number in 0..<300 {
                group.addTask {
                    try await accept(number % 2 == 0 ? "tvp" : "nhs", "R-\(number / 2)", Self.document, warnings: [])
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let ids = outcomes.compactMap { if case .created(let ack) = $0 { ack.id } else { nil } }
        #expect(ids.count == 300)
        #expect(Set(ids).count == 300)
        #expect(try await referralCount() == 300)
    }

    @Test func eachReferralIsStoredTriagedAndInItsHubsInboxWithItsChildrensHistory() async throws {
        // A first referral about Amira: neglect, level 3 green, MASH screening.
        let first = try TestIntake.referral(reference: "A-1", familyName: "Khan")
        guard case .created(let firstAck) = try await store.accept(agencyID: "tvp", agencyKind: .police, referral: first, document: "{}", warnings: [], thresholds: thresholds) else {
            Issue.record("should be created")
            return
        }
        // Another agency refers her again without her NHS number, as "O'Khan-" spelled
        // differently: matched by family name and date of birth.
        let again = try TestIntake.referral(reference: "B-1", familyName: "khan", nhsNumber: nil, concern: "other")
        guard case .created(let againAck) = try await store.accept(agencyID: "nhs", agencyKind: .health, referral: again, document: "{}", warnings: [], thresholds: thresholds) else {
            Issue.record("should be created")
            return
        }
        // And a child nobody has referred before.
        let stranger = try TestIntake.referral(reference: "C-1", familyName: "Jones", nhsNumber: "4857773457", concern: "other")
        _ = try await store.accept(agencyID: "nhs", agencyKind: .health, referral: stranger, document: "{}", warnings: [], thresholds: thresholds)

        let rows = try await store.pool.withConnection { connection in
            try connection.query("""
                SELECT reference, status, threshold_version, level, rag, hub_id, flags::text AS flags, triage_rule,
                       deadline > received_at AS deadline_after_arrival,
                       (SELECT count(*) FROM referral_children c WHERE c.referral_id = r.id) AS children
                FROM referrals r ORDER BY reference
                """).map { row in
                [try row.require(String.self, "reference"), try row.require(String.self, "status"), String(try row.require(Int.self, "threshold_version")),
                 String(try row.require(Int.self, "level")), try row.require(String.self, "rag"), try row.require(String.self, "hub_id"),
                 try row.require(String.self, "flags"), try row.require(String.self, "triage_rule"),
                 String(try row.require(Bool.self, "deadline_after_arrival")), String(try row.require(Int.self, "children"))]
            }
        }
        let version = String(thresholds.version)
        #expect(rows == [
            ["A-1", "queued", version, "3", "green", "mash-screening", "[]", "neglect-or-emotional-abuse", "true", "1"],
            // Referred before (re-referral raises green to amber) and with an open case at MASH screening.
            ["B-1", "queued", version, "2", "amber", "mash-screening", #"["re-referral"]"#, "default", "true", "1"],
            ["C-1", "queued", version, "2", "green", "mash-screening", "[]", "default", "true", "1"],
        ])
        #expect(firstAck.status == "queued" && againAck.status == "queued")
    }

    @Test func aChildWithAnOpenCaseGoesToTheHubHoldingIt() async throws {
        // Amira's first referral is allocated to children-in-need (as `mashctl route` will do).
        guard case .created(let first) = try await accept("tvp", "A-1", "{}", warnings: []) else {
            Issue.record("should be created")
            return
        }
        try await store.pool.withConnection { try $0.query("UPDATE referrals SET hub_id = 'children-in-need' WHERE id = $1", [first.id]) }
        _ = try await accept("tvp", "A-2", #"{"n": 2}"#, warnings: [])
        let hub = try await store.pool.withConnection {
            try $0.query("SELECT hub_id FROM referrals WHERE reference = 'A-2'")[0].require(String.self, "hub_id")
        }
        #expect(hub == "children-in-need")
    }

    private func referralCount() async throws -> Int {
        try await store.pool.withConnection { try $0.query("SELECT count(*) AS n FROM referrals")[0].require(Int.self, "n") }
    }
}

@Suite("Agencies and hubs")
struct DirectoryTests {
    @Test func agenciesAndHubsAreAddedListedAndChanged() async throws {
        let store = try await TestCluster.freshDatabase().store()
        _ = try await store.addAgency(id: "school-1", name: "Oak Primary", kind: .education)
        let duplicate = await #expect(throws: StoreError.self) { try await store.addAgency(id: "school-1", name: "Again", kind: .education) }
        #expect(duplicate?.code == .alreadyExists)
        let badID = await #expect(throws: StoreError.self) { try await store.addAgency(id: "Bad Id", name: "x", kind: .other) }
        #expect(badID?.code == .invalid)

        let hub = try await store.addHub(id: "edt", name: "Emergency duty team")
        #expect(hub.capacity == 120)
        #expect(hub.deliveryWindow == .seconds(5 * 86_400))
        let changed = try await store.updateHub(id: "edt", name: nil, capacity: 30, deliveryWindow: .seconds(86_400))
        #expect(changed.name == "Emergency duty team")
        #expect(changed.capacity == 30)
        #expect(changed.deliveryWindow == .seconds(86_400))
        #expect(try await store.hubs().map(\.id) == ["edt"])
        let missing = await #expect(throws: StoreError.self) { try await store.updateHub(id: "nope", name: "x", capacity: nil, deliveryWindow: nil) }
        #expect(missing?.code == .notFound)
    }

    /// Referrals name their agency and hub without foreign keys (sql/0003, 0011):
    /// neither can be removed, by any role, the tables' owner included.
    @Test func noAgencyOrHubCanBeRemovedEvenByTheOwner() async throws {
        let store = try await TestCluster.freshDatabase().store()
        _ = try await store.addAgency(id: "school-1", name: "Oak Primary", kind: .education)
        _ = try await store.addHub(id: "edt", name: "Emergency duty team")
        for statement in ["DELETE FROM agencies", "DELETE FROM hubs WHERE id = 'edt'", "TRUNCATE agencies CASCADE", "TRUNCATE hubs CASCADE"] {
            let refused = await #expect(throws: PostgresError.self, "\(statement)") {
                try await store.pool.withConnection { try $0.query(statement) }
            }
            #expect(refused?.sqlState == "23001", "\(statement): \(refused?.message ?? "")")
        }
        #expect(try await store.agencies().map(\.id) == ["school-1"])
        #expect(try await store.hubs().map(\.id) == ["edt"])
    }
}

@Suite("Applying threshold documents")
struct ThresholdStoreTests {
    @Test func aDocumentRoutingToAHubThatDoesNotExistIsRefusedAndNothingIsStored() async throws {
        let store = try await TestCluster.freshDatabase().store()
        _ = try await store.addHub(id: "mash-screening", name: "MASH screening")
        let document = try ThresholdParser.parse(DefaultThresholds.yaml).get()
        let refused = await #expect(throws: StoreError.self) { try await store.applyThresholds(document, text: DefaultThresholds.yaml) }
        #expect(refused?.code == .invalid)
        #expect(refused?.message == "the document routes to hubs that do not exist: child-protection, children-in-need, early-help, edt, lado")
        #expect(try await store.thresholds() == nil)
    }
}
