import Foundation
import MashDomain
import MashStore
import MashTesting
import MashTriage
import Testing

@Suite("Referrals triaged into inboxes over HTTP")
struct TriageAPITests {
    /// The triage stored for a referral, by reference.
    func stored(_ store: Store, _ reference: String) async throws -> (hub: String, level: Int, rag: String, receivedAt: Date, deadline: Date, flags: String) {
        try await store.pool.withConnection { connection in
            let row = try connection.query(
                "SELECT hub_id, level, rag, received_at, deadline, flags::text AS flags FROM referrals WHERE reference = $1", [reference]
            )[0]
            return (try row.require(String.self, "hub_id"), try row.require(Int.self, "level"), try row.require(String.self, "rag"),
                    try row.require(Date.self, "received_at"), try row.require(Date.self, "deadline"), try row.require(String.self, "flags"))
        }
    }

    @Test func postedReferralsLandInTheRightInboxWithTheRightDeadline() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        let daemon = try await DaemonProcess(database: setup.database)
        let url = daemon.baseURL.appendingPathComponent("v1/referrals")
        let calendar = try ThresholdParser.parse(DefaultThresholds.yaml).get().calendar

        // Immediate danger: level 4, red, four hours on the wall clock; child
        // protection in office hours, the emergency duty team outside them.
        let danger = Data(String(decoding: Fixtures.referral(reference: "D-1"), as: UTF8.self)
            .replacingOccurrences(of: #""immediateDanger": false"#, with: #""immediateDanger": true"#).utf8)
        #expect(try await HTTP.send("POST", url, token: setup.policeToken, body: danger).status == 201)
        let red = try await stored(setup.store, "D-1")
        #expect(red.level == 4 && red.rag == "red")
        #expect(red.hub == (calendar.isWorkingTime(red.receivedAt) ? "child-protection" : "edt"))
        #expect(abs(red.deadline.timeIntervalSince(red.receivedAt) - 4 * 3_600) < 0.001, "four hours, to the microsecond the database keeps")

        // The same child again from health: referred before, so a re-referral; the
        // decision is due one working day after arrival.
        #expect(try await HTTP.send("POST", url, token: setup.healthToken, body: Fixtures.referral(reference: "H-1")).status == 201)
        let again = try await stored(setup.store, "H-1")
        #expect(again.flags.contains("re-referral"))
        #expect(again.deadline <= calendar.adding(workingSeconds: calendar.workingDaySeconds, to: again.receivedAt))
        #expect(calendar.isWorkingTime(again.deadline) || again.rag == "red")
        #expect(daemon.isRunning)
    }

    @Test func withoutAThresholdDocumentNothingIsStoredAndTheAnswerIs503() async throws {
        let database = try await TestCluster.freshDatabase()
        let store = database.store()
        _ = try await store.addAgency(id: "tvp", name: "Thames Valley Police", kind: .police)
        let token = try await store.issueToken(agencyID: "tvp").secret
        let daemon = try await DaemonProcess(database: database)
        let response = try await HTTP.send("POST", daemon.baseURL.appendingPathComponent("v1/referrals"), token: token, body: Fixtures.referral(reference: "N-1"))
        #expect(response.status == 503)
        #expect(response.json["type"] as? String == "/problems/no-thresholds")
        #expect(response.headers["retry-after"] == "30")
        #expect(try await Fixtures.count(store) == 0)
        let ready = try await HTTP.send("GET", daemon.baseURL.appendingPathComponent("readyz"), contentType: nil)
        #expect(ready.status == 503)
        #expect(ready.text.contains("no threshold document"))
    }
}
