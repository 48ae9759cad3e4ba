import Foundation
import MashStore
import MashTesting

/// Referral documents for the end-to-end tests.
enum Fixtures {
    /// A canary name: it must never appear in logs or problem details we write.
    static let canaryName = "Zebedee-Canary-Q7"

    static func referral(reference: String, familyName: String = "Khan", nhsNumber: String = "9434765919") -> Data {
        Data("""
            {"reference": "\(reference)", "kind": "referral",
             "referrer": {"name": "PC Jane Smith", "role": "Police constable", "organisation": "Thames Valley Police", "phone": "01234 567890"},
             "children": [{"givenName": "\(canaryName)", "familyName": "\(familyName)", "dateOfBirth": "2016-04-02", "gender": "female",
                           "nhsNumber": "\(nhsNumber)", "postcode": "SL1 2AB"}],
             "concerns": [{"category": "domestic_abuse", "detail": "Police attended a domestic incident overnight; the child was present and frightened."}],
             "immediateDanger": false, "consent": "given", "familyInformed": "yes", "policeRiskGrade": "medium", "receivedBy": "api"}
            """.utf8)
    }

    /// A database with one police agency, one health agency and a hub, and a token for each.
    struct Setup {
        let database: TestDatabase
        let store: Store
        let policeToken: String
        let healthToken: String
        let hubToken: String
    }

    static func setup(_ database: TestDatabase) async throws -> Setup {
        let store = database.store()
        _ = try await store.addAgency(id: "tvp", name: "Thames Valley Police", kind: .police)
        _ = try await store.addAgency(id: "nhs", name: "Health", kind: .health)
        try await TestIntake.prepare(store)
        return Setup(
            database: database, store: store,
            policeToken: try await store.issueToken(agencyID: "tvp").secret,
            healthToken: try await store.issueToken(agencyID: "nhs").secret,
            hubToken: try await store.issueToken(hubID: "mash-screening").secret
        )
    }

    static func count(_ store: Store, reference: String? = nil) async throws -> Int {
        try await store.pool.withConnection { connection in
            try connection.query("SELECT count(*) AS n FROM referrals WHERE $1::text IS NULL OR reference = $1", [reference])[0].require(Int.self, "n")
        }
    }
}
