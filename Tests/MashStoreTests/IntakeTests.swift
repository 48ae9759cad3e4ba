import Foundation
import MashDomain
@testable import MashStore
import MashTesting
import Testing

@Suite("Storing referrals")
struct IntakeTests {
    let store: Store

    init() async throws {
        store = try await TestCluster.freshDatabase().store(maxConnections: 16)
        _ = try await store.addAgency(id: "tvp", name: "Thames Valley Police", kind: .police)
        _ = try await store.addAgency(id: "nhs", name: "Health", kind: .health)
    }

    static let document = #"{"reference": "R-1", "children": [{"familyName": "Khan"}], "immediateDanger": false}"#
    static let sameDocumentReordered = #"{"immediateDanger":false,"children":[{"familyName":"Khan"}],"reference":"R-1"}"#
    static let otherDocument = #"{"reference": "R-1", "children": [{"familyName": "Jones"}], "immediateDanger": true}"#
    static let warning = DocumentProblem(pointer: JSONPointer.root.appending("consent"), detail: "consent is not recorded")

    @Test func aRetryWithTheSameDocumentReplaysTheOriginalAcknowledgement() async throws {
        guard case .created(let first) = try await store.accept(agencyID: "tvp", reference: "R-1", document: Self.document, warnings: [Self.warning]) else {
            Issue.record("the first submission should be created")
            return
        }
        #expect(first.status == "received")
        let retry = try await store.accept(agencyID: "tvp", reference: "R-1", document: Self.sameDocumentReordered, warnings: [])
        #expect(retry == .replayed(first), "same id, time, status and warnings as the original")
        #expect(try await referralCount() == 1)
    }

    @Test func aReusedReferenceWithADifferentDocumentIsRefusedAndChangesNothing() async throws {
        _ = try await store.accept(agencyID: "tvp", reference: "R-1", document: Self.document, warnings: [])
        #expect(try await store.accept(agencyID: "tvp", reference: "R-1", document: Self.otherDocument, warnings: []) == .referenceReused)
        let stored = try await store.pool.withConnection {
            try $0.query("SELECT document->'children'->0->>'familyName' AS name FROM referrals")[0].require(String.self, "name")
        }
        #expect(stored == "Khan")
    }

    @Test func referencesAreUniquePerAgencyNotGlobally() async throws {
        guard case .created = try await store.accept(agencyID: "tvp", reference: "R-1", document: Self.document, warnings: []),
              case .created = try await store.accept(agencyID: "nhs", reference: "R-1", document: Self.otherDocument, warnings: [])
        else {
            Issue.record("both agencies' referrals should be created")
            return
        }
        #expect(try await referralCount() == 2)
    }

    @Test func concurrentDuplicatesStoreExactlyOneReferral() async throws {
        let outcomes = try await withThrowingTaskGroup(of: IntakeOutcome.self) { group in
            for _ in 0..<24 {
                group.addTask { try await store.accept(agencyID: "tvp", reference: "R-1", document: Self.document, warnings: []) }
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
        guard case .created(let ack) = try await store.accept(agencyID: "tvp", reference: "R-1", document: Self.document, warnings: []) else {
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
        _ = try await store.accept(agencyID: "tvp", reference: "R-0", document: Self.document, warnings: [])
        let batch = [
            ReferralSubmission(agencyID: "tvp", reference: "R-1", document: Self.document, warnings: [Self.warning]),
            ReferralSubmission(agencyID: "tvp", reference: "R-0", document: Self.sameDocumentReordered, warnings: []),
            ReferralSubmission(agencyID: "nhs", reference: "R-1", document: Self.otherDocument, warnings: []),
            // The same reference twice in one batch: stored once, the second compared with it.
            ReferralSubmission(agencyID: "tvp", reference: "R-1", document: Self.otherDocument, warnings: []),
            ReferralSubmission(agencyID: "nhs", reference: "R-1", document: Self.otherDocument, warnings: []),
        ]
        let outcomes = try await Store.storeReferrals(batch, in: store.pool).map { try $0.get() }
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
        // An agency that does not exist breaks the foreign key: the batch statement
        // fails as a whole, and each referral is then retried on its own.
        let batch = ["tvp", "gone", "nhs"].map {
            ReferralSubmission(agencyID: $0, reference: "R-1", document: Self.document, warnings: [])
        }
        let results = await Store.storeReferrals(batch, in: store.pool)
        guard case .success(.created) = results[0], case .failure(let error as StoreError) = results[1], case .success(.created) = results[2] else {
            Issue.record("expected created, a StoreError, created; got \(results)")
            return
        }
        #expect(error.code == .notFound)
        #expect(try await referralCount() == 2)
    }

    @Test func manyConcurrentReferralsAreEachStoredOnce() async throws {
        let outcomes = try await withThrowingTaskGroup(of: IntakeOutcome.self) { group in
            for number in 0..<300 {
                group.addTask {
                    try await store.accept(agencyID: number % 2 == 0 ? "tvp" : "nhs", reference: "R-\(number / 2)", document: Self.document, warnings: [])
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let ids = outcomes.compactMap { if case .created(let ack) = $0 { ack.id } else { nil } }
        #expect(ids.count == 300)
        #expect(Set(ids).count == 300)
        #expect(try await referralCount() == 300)
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
}
