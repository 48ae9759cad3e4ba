import Foundation
import MashStore
import MashTesting

/// Referral documents for the end-to-end tests.
enum Fixtures {
    /// A canary name: it must never appear in logs or problem details we write.
    static let canaryName = "Zebedee-Canary-Q7"

    static func referral(
        reference: String, familyName: String = "Khan", nhsNumber: String = "9434765919",
        concern: String = "domestic_abuse", immediateDanger: Bool = false
    ) -> Data {
        Data("""
            {"reference": "\(reference)", "kind": "referral",
             "referrer": {"name": "PC Jane Smith", "role": "Police constable", "organisation": "Thames Valley Police", "phone": "01234 567890"},
             "children": [{"givenName": "\(canaryName)", "familyName": "\(familyName)", "dateOfBirth": "2016-04-02", "gender": "female",
                           "nhsNumber": "\(nhsNumber)", "postcode": "SL1 2AB"}],
             "concerns": [{"category": "\(concern)", "detail": "Police attended a domestic incident overnight; the child was present and frightened."}],
             "immediateDanger": \(immediateDanger), "consent": "given", "familyInformed": "yes", "policeRiskGrade": "medium", "receivedBy": "api"}
            """.utf8)
    }

    /// The `n`th valid NHS number of a test range (modulus 11 check digit), so that
    /// each test can name children no other referral names.
    static func nhsNumber(_ n: Int) -> String {
        var base = 600_000_000 + n * 2
        while true {
            let digits = String(base).map { Int(String($0))! }
            let check = (11 - zip(digits, (2...10).reversed()).map(*).reduce(0, +) % 11) % 11
            if check != 10 { return digits.map(String.init).joined() + String(check) }
            base += 1
        }
    }

    /// A family name of letters only, different for each `n`.
    static func familyName(_ n: Int) -> String {
        var letters = "Fam", rest = n
        repeat {
            letters.append(Character(UnicodeScalar(UInt8(97 + rest % 26))))
            rest /= 26
        } while rest > 0
        return letters
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
