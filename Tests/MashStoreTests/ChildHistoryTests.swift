import Foundation
import MashDomain
@testable import MashStore
import MashTesting
import MashTriage
import Testing

/// How a child is matched to earlier referrals (issue 3, history): stored
/// referrals, then probes whose history is read back through `Store.history`.
@Suite("Matching children to earlier referrals")
struct ChildHistoryTests {
    /// A child as the referral document writes it.
    static func child(_ familyName: String, born: String? = nil, due: String? = nil, nhs: String? = nil, postcode: String? = nil) -> String {
        var fields = [#""familyName": "\#(familyName)""#]
        if let born { fields.append(#""dateOfBirth": "\#(born)""#) }
        if let due { fields += [#""gender": "unborn""#, #""expectedDueDate": "\#(due)""#] }
        if let nhs { fields.append(#""nhsNumber": "\#(nhs)""#) }
        if let postcode { fields.append(#""postcode": "\#(postcode)""#) }
        return "{" + fields.joined(separator: ", ") + "}"
    }

    static func referral(_ reference: String, _ children: String...) throws -> Referral {
        let text = """
            {"reference": "\(reference)", "referrer": {"name": "PC Smith", "phone": "01632 960123"},
             "children": [\(children.joined(separator: ", "))],
             "concerns": [{"category": "neglect", "detail": "Enough detail about what happened, when, and how the child is affected."}],
             "immediateDanger": false, "consent": "given", "familyInformed": "yes"}
            """
        return try ReferralValidator().validate(Array(text.utf8), receivedAt: Date(), agencyKind: .police).mapError { rejection in
            TestFailure(description: "\(reference) is invalid: \(rejection.problems)")
        }.get().referral
    }

    struct TestFailure: Error, CustomStringConvertible { let description: String }

    /// One probe: a referral's children, and how many stored referrals should count.
    struct Probe: Sendable, CustomTestStringConvertible {
        let what: String
        let children: [String]
        let expected: Int
        var testDescription: String { what }
    }

    static let probes: [Probe] = [
        Probe(what: "the same NHS number", children: [child("Khan", born: "2015-03-14", nhs: "9434765919", postcode: "SL1 2AB")], expected: 1),
        Probe(what: "no NHS number: family name (any case) and date of birth, same postcode",
              children: [child("KHAN", born: "2015-03-14", postcode: "SL1 2AB")], expected: 1),
        Probe(what: "no NHS number and no postcode: name and date of birth are enough",
              children: [child("Khan", born: "2015-03-14")], expected: 1),
        Probe(what: "name and date of birth, but the postcodes disagree",
              children: [child("Khan", born: "2015-03-14", postcode: "OX2 6GG")], expected: 0),
        Probe(what: "name and date of birth, but another NHS number than the earlier one",
              children: [child("Khan", born: "2015-03-14", nhs: "6000000006", postcode: "SL1 2AB")], expected: 0),
        Probe(what: "with an NHS number, matching an earlier record without one by name (spaces, hyphens, apostrophes ignored)",
              children: [child("oneill smith", born: "2012-01-01", nhs: "6000000022", postcode: "RG1 1AA")], expected: 1),
        Probe(what: "unborn: due date and family name", children: [child("Patel", due: "2027-02-01", postcode: "OX2 6GG")], expected: 1),
        Probe(what: "unborn: due date and household postcode", children: [child("Other", due: "2027-02-01", postcode: "SL2 2BB")], expected: 1),
        Probe(what: "unborn: due date alone is not enough", children: [child("Other", due: "2027-02-01", postcode: "OX2 6GG")], expected: 0),
        Probe(what: "siblings both named before in one referral count it once",
              children: [child("Jones", born: "2010-05-05", nhs: "4857773457"), child("Jones", born: "2013-06-06", postcode: "OX1 1AA")], expected: 1),
        Probe(what: "a child nobody referred", children: [child("Brown", born: "2011-11-11", nhs: "6000000049")], expected: 0),
    ]

    @Test(arguments: probes)
    func history(_ probe: Probe) async throws {
        let store = try await Self.storeWithEarlierReferrals()
        let history = try await store.history(of: try Self.referral("P-1", probe.children.joined(separator: ", ")))
        #expect(history.priorReferrals.count == probe.expected)
        // Each earlier referral is still queued at MASH screening: an open case there.
        #expect(history.openCaseHub == (probe.expected > 0 ? "mash-screening" : nil))
        // Nothing stored after `before` counts.
        #expect(try await store.history(of: try Self.referral("P-2", probe.children.joined(separator: ", ")), before: Date.distantPast).priorReferrals.isEmpty)
    }

    /// Intake reads a whole batch's history with one statement, holding only the
    /// ways of matching its children need: every probe at once, and the probes
    /// in pairs (other combinations of ways), find for each what it finds alone.
    @Test func aBatchFindsForEachReferralWhatItFindsAlone() async throws {
        let store = try await Self.storeWithEarlierReferrals()
        let referrals = try Self.probes.enumerated().map { try Self.referral("P-\($0)", $1.children.joined(separator: ", ")) }
        let batches = [Array(referrals.indices)] + referrals.indices.map { [$0, ($0 + 3) % referrals.count] }
        for batch in batches {
            let histories = try await store.pool.withConnection { connection in
                try Store.histories(of: batch.map { referrals[$0] }, on: connection)
            }
            #expect(histories.map(\.priorReferrals.count) == batch.map { Self.probes[$0].expected }, "batch \(batch)")
        }
    }

    /// A database holding the earlier referrals the probes are matched against.
    static func storeWithEarlierReferrals() async throws -> Store {
        let store = try await TestCluster.freshDatabase().store()
        _ = try await store.addAgency(id: "tvp", name: "Thames Valley Police", kind: .police)
        let thresholds = try await TestIntake.prepare(store)
        let earlier = [
            try Self.referral("S-1", Self.child("Khan", born: "2015-03-14", nhs: "9434765919", postcode: "SL1 2AB")),
            try Self.referral("S-2", Self.child("O'Neill-Smith", born: "2012-01-01", postcode: "RG1 1AA")),
            try Self.referral("S-3", Self.child("Patel", due: "2027-02-01", postcode: "SL2 2BB")),
            try Self.referral("S-4", Self.child("Jones", born: "2010-05-05", nhs: "4857773457", postcode: "OX1 1AA"),
                              Self.child("Jones", born: "2013-06-06", postcode: "OX1 1AA")),
        ]
        for referral in earlier {
            _ = try await store.accept(agencyID: "tvp", agencyKind: .police, referral: referral, document: "{}", warnings: [], thresholds: thresholds)
        }
        return store
    }
}
