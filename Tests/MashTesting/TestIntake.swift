import Foundation
import MashDomain
import MashStore
import MashTriage

/// What intake needs in a test database: the hubs of the default threshold
/// document, that document applied, and valid referrals to offer.
public enum TestIntake {
    public static let hubs = ["mash-screening", "early-help", "child-protection", "children-in-need", "lado", "edt"]

    /// Adds the default document's hubs and applies it; returns it as intake uses it.
    @discardableResult
    public static func prepare(_ store: Store) async throws -> IntakeThresholds {
        for hub in hubs where try await !store.hubs().contains(where: { $0.id == hub }) {
            _ = try await store.addHub(id: hub, name: hub)
        }
        let document = try ThresholdParser.parse(DefaultThresholds.yaml).get()
        let applied = try await store.applyThresholds(document, text: DefaultThresholds.yaml)
        return IntakeThresholds(version: applied.version, engine: TriageEngine(document: document))
    }

    /// A valid referral about one child (a girl of 11 with an NHS number), read
    /// through the validator as intake reads it.
    public static func referral(
        reference: String, familyName: String = "Khan", nhsNumber: String? = "9434765919",
        concern: String = "neglect", immediateDanger: Bool = false
    ) throws -> Referral {
        let nhs = nhsNumber.map { #", "nhsNumber": "\#($0)""# } ?? ""
        let text = """
            {"reference": "\(reference)", "referrer": {"name": "PC Smith", "phone": "01632 960123"},
             "children": [{"familyName": "\(familyName)", "dateOfBirth": "2015-03-14", "postcode": "SL1 2AB"\(nhs)}],
             "concerns": [{"category": "\(concern)", "detail": "Enough detail about what happened, when, and how the child is affected."}],
             "immediateDanger": \(immediateDanger), "consent": "given", "familyInformed": "yes"}
            """
        switch ReferralValidator().validate(Array(text.utf8), receivedAt: Date(), agencyKind: .police) {
        case .success(let accepted): return accepted.referral
        case .failure(let rejection): throw TestIntakeError(description: "test referral invalid: \(rejection.problems)")
        }
    }
}

struct TestIntakeError: Error, CustomStringConvertible { let description: String }
