import Foundation
import MashDomain
import MashStore
import MashTesting
import Testing

@Suite("Tokens")
struct TokenTests {
    let store: Store

    init() async throws {
        store = try await TestCluster.freshDatabase().store()
        _ = try await store.addAgency(id: "tvp", name: "Thames Valley Police", kind: .police)
        _ = try await store.addHub(id: "lado", name: "LADO")
    }

    @Test func anIssuedSecretAuthenticatesItsPrincipalAndIsStoredOnlyAsAHash() async throws {
        let token = try await store.issueToken(agencyID: "tvp")
        #expect(token.secret.hasPrefix("mash_"))
        #expect(token.secret.count >= 5 + 43, "256 random bits in URL-safe base64")
        #expect(try await store.authenticate(secret: token.secret) == .agency(id: "tvp", kind: .police, disabled: false))

        let stored = try await store.pool.withConnection { connection in
            try connection.query("SELECT encode(secret_hash, 'hex') AS hash, row_to_json(tokens)::text AS everything FROM tokens WHERE id = $1", [token.id])[0]
        }
        #expect(try stored.require(String.self, "hash").count == 64)
        #expect(try stored.require(String.self, "everything").contains(token.secret) == false)
    }

    @Test func severalTokensMayBeLiveForOnePrincipal() async throws {
        let first = try await store.issueToken(agencyID: "tvp")
        let second = try await store.issueToken(agencyID: "tvp")
        #expect(first.secret != second.secret)
        #expect(try await store.authenticate(secret: first.secret) != nil)
        #expect(try await store.authenticate(secret: second.secret) != nil)
    }

    @Test func revokedExpiredAndUnknownSecretsAreRefused() async throws {
        let revoked = try await store.issueToken(agencyID: "tvp")
        try await store.revokeToken(id: revoked.id)
        #expect(try await store.authenticate(secret: revoked.secret) == nil)

        let expired = try await store.issueToken(agencyID: "tvp", expiresAt: Date().addingTimeInterval(-1))
        #expect(try await store.authenticate(secret: expired.secret) == nil)

        #expect(try await store.authenticate(secret: "mash_not-a-real-token") == nil)
        let states = try await store.tokens().map { $0.state(at: Date()) }.sorted()
        #expect(states == ["expired", "revoked"])
    }

    @Test func aHubTokenNamesItsHubAndADisabledAgencyIsMarked() async throws {
        let hub = try await store.issueToken(hubID: "lado")
        #expect(try await store.authenticate(secret: hub.secret) == .hub(id: "lado"))
        let agency = try await store.issueToken(agencyID: "tvp")
        _ = try await store.disableAgency(id: "tvp")
        #expect(try await store.authenticate(secret: agency.secret) == .agency(id: "tvp", kind: .police, disabled: true))
    }

    @Test func revokingAnUnknownTokenSaysSo() async throws {
        let error = await #expect(throws: StoreError.self) { try await store.revokeToken(id: "tok_nope") }
        #expect(error?.code == .notFound)
    }
}
