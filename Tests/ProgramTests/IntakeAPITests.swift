import Foundation
import MashDomain
import MashStore
import MashTesting
import Testing

@Suite("mashd intake over HTTP")
struct IntakeAPITests {
    @Test func aValidReferralIsStoredAcknowledgedAndReplayedOnRetry() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        let daemon = try await DaemonProcess(database: setup.database)
        let url = daemon.baseURL.appendingPathComponent("v1/referrals")

        let created = try await HTTP.send("POST", url, token: setup.policeToken, body: Fixtures.referral(reference: "TVP-PPN-1"))
        #expect(created.status == 201)
        let id = try #require(created.json["id"] as? String)
        #expect(created.headers["location"] == "/v1/referrals/\(id)")
        #expect(created.json["status"] as? String == "queued")
        #expect(created.json["reference"] as? String == "TVP-PPN-1")
        #expect((created.json["receivedAt"] as? String)?.hasSuffix("Z") == true)
        #expect(try await Fixtures.count(setup.store, reference: "TVP-PPN-1") == 1)

        let retry = try await HTTP.send("POST", url, token: setup.policeToken, body: Fixtures.referral(reference: "TVP-PPN-1"))
        #expect(retry.status == 200)
        #expect(retry.json["id"] as? String == id)
        #expect(retry.json["receivedAt"] as? String == created.json["receivedAt"] as? String)

        let reused = try await HTTP.send("POST", url, token: setup.policeToken, body: Fixtures.referral(reference: "TVP-PPN-1", familyName: "Jones"))
        #expect(reused.status == 422)
        #expect(reused.json["type"] as? String == "/problems/reference-reused")
        #expect(try await Fixtures.count(setup.store) == 1)

        let status = try await HTTP.send("GET", url.appendingPathComponent(id), token: setup.policeToken, contentType: nil)
        #expect(status.status == 200)
        #expect(status.json["status"] as? String == "queued")
        #expect(status.text.contains(#""decision":null"#))
        let someoneElses = try await HTTP.send("GET", url.appendingPathComponent(id), token: setup.healthToken, contentType: nil)
        #expect(someoneElses.status == 404)
        let none = try await HTTP.send("GET", url.appendingPathComponent(UUID().uuidString), token: setup.policeToken, contentType: nil)
        #expect(none.status == 404)
        #expect(none.headers["content-type"] == "application/problem+json")
        #expect(!daemon.log.contains(Fixtures.canaryName), "the daemon's log must not carry a child's name")
        // The log is there (so the check above means something), one line per
        // referral: UTC time, level, label, message, then metadata sorted by key.
        let line = try #require(daemon.log.split(separator: "\n").first { $0.contains("referral received") })
        #expect(line.contains(" info mashd: referral received agency=tvp hb.request.id="))
        #expect(line.hasSuffix(" referral=\(id)"))
        #expect(RFC3339.parse(String(line.prefix { $0 != " " })) != nil)
    }

    @Test func anInvalidReferralListsEveryProblemAndIsQuarantined() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        let daemon = try await DaemonProcess(database: setup.database)
        let body = Data("""
            {"reference": "bad ref", "referrer": {"name": "PC Smith"},
             "children": [{"givenName": "\(Fixtures.canaryName)", "nhsNumber": "9434765918", "dateOfBirth": "2016-02-30"}],
             "concerns": [{"category": "worry"}], "immediateDanger": false}
            """.utf8)
        let response = try await HTTP.send("POST", daemon.baseURL.appendingPathComponent("v1/referrals"), token: setup.policeToken, body: body)
        #expect(response.status == 422)
        #expect(response.headers["content-type"] == "application/problem+json")
        #expect(response.json["type"] as? String == "/problems/invalid-referral")
        let pointers = Set(((response.json["errors"] as? [[String: Any]]) ?? []).compactMap { $0["pointer"] as? String })
        #expect(pointers == ["/reference", "/referrer/phone", "/children/0/nhsNumber", "/children/0/dateOfBirth",
                             "/children/0/familyName", "/concerns/0/category"])
        #expect(!response.text.contains(Fixtures.canaryName))
        #expect(try await Fixtures.count(setup.store) == 0, "nothing half-stored")
        let quarantined = try await setup.store.quarantineEntries()
        #expect(quarantined.count == 1)
        #expect(quarantined.first?.httpStatus == 422)
        #expect(quarantined.first?.agencyID == "tvp")
        #expect(quarantined.first?.problems.count == 6)
    }

    @Test func badRequestsGetTheRightStatus() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        let daemon = try await DaemonProcess(database: setup.database)
        let url = daemon.baseURL.appendingPathComponent("v1/referrals")
        let valid = Fixtures.referral(reference: "R-1")

        #expect(try await HTTP.send("POST", url, token: nil, body: valid).status == 401)
        #expect(try await HTTP.send("POST", url, token: "mash_wrong", body: valid).status == 401)
        #expect(try await HTTP.send("POST", url, token: setup.hubToken, body: valid).status == 403)
        #expect(try await HTTP.send("POST", url, token: setup.policeToken, contentType: "text/plain", body: valid).status == 415)
        let malformed = try await HTTP.send("POST", url, token: setup.policeToken, body: Data(#"{"reference": "R-1",}"#.utf8))
        #expect(malformed.status == 400)
        #expect(malformed.json["type"] as? String == "/problems/malformed-json")
        let deep = try await HTTP.send("POST", url, token: setup.policeToken, body: Data(String(repeating: "[", count: 100_000).utf8))
        #expect(deep.status == 400)
        let wrongShape = try await HTTP.send("POST", url, token: setup.policeToken, body: Data(#"{"reference": 7, "extra": true}"#.utf8))
        #expect(wrongShape.status == 400)
        #expect(wrongShape.json["type"] as? String == "/problems/invalid-shape")
        let nulKey = try await HTTP.send("POST", url, token: setup.policeToken, body: Data(#"{"a\u0000": true}"#.utf8))
        #expect(nulKey.status == 400, "a key no store can keep is refused, not a fault")
        let huge = try await HTTP.send("POST", url, token: setup.policeToken, body: Data(repeating: UInt8(ascii: " "), count: (1 << 20) + 1))
        #expect(huge.status == 413)
        #expect(try await Fixtures.count(setup.store) == 0)
        #expect(try await setup.store.quarantineEntries().count == 4, "the malformed, deep, wrong-shape and NUL-key bodies")
        let wrongMethod = try await HTTP.send("DELETE", url, token: setup.policeToken, contentType: nil)
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.headers["allow"] == "POST")
        #expect(wrongMethod.headers["content-type"] == "application/problem+json")
        #expect(try await HTTP.send("PUT", daemon.baseURL.appendingPathComponent("healthz"), contentType: nil).headers["allow"] == "GET, HEAD")
        let nowhere = try await HTTP.send("GET", daemon.baseURL.appendingPathComponent("v1/nowhere"), token: setup.policeToken, contentType: nil)
        #expect(nowhere.status == 404)
        #expect(nowhere.json["title"] as? String == "Not found", "one title for one problem type")

        _ = try await setup.store.disableAgency(id: "tvp")
        let fresh = try await setup.store.issueToken(agencyID: "tvp")
        #expect(try await HTTP.send("POST", url, token: fresh.secret, body: valid).status == 403)
        #expect(try await HTTP.send("GET", daemon.baseURL.appendingPathComponent("healthz"), contentType: nil).status == 200)
        #expect(try await HTTP.send("GET", daemon.baseURL.appendingPathComponent("readyz"), contentType: nil).status == 200)
    }

    @Test func headIsAnsweredAsGetWithoutItsBody() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        let daemon = try await DaemonProcess(database: setup.database)
        let referrals = daemon.baseURL.appendingPathComponent("v1/referrals")
        let health = daemon.baseURL.appendingPathComponent("healthz")

        let get = try await HTTP.send("GET", health, contentType: nil)
        let head = try await HTTP.send("HEAD", health, contentType: nil)
        #expect(head.status == 200)
        #expect(head.headers["content-length"] == String(get.body.count), "HEAD says how long GET's body is")
        #expect(head.headers["content-type"] == get.headers["content-type"])

        let created = try await HTTP.send("POST", referrals, token: setup.policeToken, body: Fixtures.referral(reference: "R-HEAD"))
        let id = try #require(created.json["id"] as? String)
        let referral = referrals.appendingPathComponent(id)
        #expect(try await HTTP.send("HEAD", referral, token: setup.policeToken, contentType: nil).status == 200)
        #expect(try await HTTP.send("HEAD", referral, token: setup.healthToken, contentType: nil).status == 404, "another agency's, as GET")
        #expect(try await HTTP.send("HEAD", referral, contentType: nil).status == 401)
        let referralID = try #require(UUID(uuidString: id))
        let views = try await setup.store.auditLog(referral: referralID).filter { $0.action == "view" }
        #expect(views.map(\.actor) == ["agency:tvp"], "the agency's HEAD is audited as its GET; the refused ones touched nothing")
        let refused = try await HTTP.send("HEAD", referrals, token: setup.policeToken, contentType: nil)
        #expect(refused.status == 405)
        #expect(refused.headers["allow"] == "POST")

        // On one keep-alive connection: were a body sent after a HEAD's answer,
        // it would be read as the start of the next response.
        let connection = try RawConnection(port: daemon.port)
        defer { connection.close() }
        connection.send("HEAD /v1/nowhere HTTP/1.1\r\nHost: localhost\r\n\r\nHEAD /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"
            + "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        let parts = try #require(await connection.everything(within: 10)).components(separatedBy: "\r\n\r\n")
        #expect(parts.count == 4, "three heads and GET's body: \(parts)")
        #expect(parts.map { $0.prefix(12) }.prefix(3) == ["HTTP/1.1 404", "HTTP/1.1 200", "HTTP/1.1 200"])
        #expect(parts.last == String(decoding: get.body, as: UTF8.self))
    }

    /// An answer goes out as one write: its head and body in one TCP segment, not
    /// two, each of which would cost a system call and a wake-up on both sides.
    @Test func anAcknowledgementLeavesInOneSegment() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        let daemon = try await DaemonProcess(database: setup.database)
        let body = String(decoding: Fixtures.referral(reference: "R-SEGMENT"), as: UTF8.self)
        let connection = try RawConnection(port: daemon.port)
        defer { connection.close() }
        connection.send("POST /v1/referrals HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(setup.policeToken)\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body)
        let answer = try #require(await connection.everything(within: 10))
        #expect(answer.hasPrefix("HTTP/1.1 201"))
        #expect(answer.hasSuffix(#""status":"queued","warnings":[]}"#), "the whole acknowledgement")
        #expect(connection.dataSegmentsReceived == 1)
    }

    /// `batchWriters: 4`, not the default one (docs/ARCHITECTURE.md): batches
    /// written side by side, every referral still answered after its own commit.
    @Test func withSeveralBatchWritersConcurrentReferralsAreEachStoredAndAcknowledged() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        let daemon = try await DaemonProcess(database: setup.database, arguments: ["--batch-writers", "4"])
        let url = daemon.baseURL.appendingPathComponent("v1/referrals")
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 1...40 {
                group.addTask { try await HTTP.send("POST", url, token: setup.policeToken, body: Fixtures.referral(reference: "R-\(index)")).status }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 201, count: 40))
        #expect(try await Fixtures.count(setup.store) == 40)
    }

    @Test func sigtermStopsTheDaemonCleanly() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        let daemon = try await DaemonProcess(database: setup.database)
        #expect(try await HTTP.send("POST", daemon.baseURL.appendingPathComponent("v1/referrals"), token: setup.policeToken, body: Fixtures.referral(reference: "R-1")).status == 201)
        #expect(await daemon.terminate() == 0, "log: \(daemon.log)")
    }
}
