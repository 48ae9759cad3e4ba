import Foundation
import MashDomain
import Testing

/// The bodies hub systems send: a lease request (every field optional, each
/// bounded) and a screening decision (outcome and reason required).
@Suite("Hub request bodies")
struct HubRequestTests {
    func pointers(_ result: Result<some Any, ReferralRejection>) -> [String] {
        guard case .failure(let rejection) = result else { return [] }
        return rejection.problems.map(\.pointer)
    }

    @Test func anEmptyLeaseRequestTakesTheDefaults() throws {
        #expect(try LeaseRequest.read([]).get() == LeaseRequest(max: 1, waitSeconds: 0, leaseSeconds: 300))
        #expect(try LeaseRequest.read(Array(" \n".utf8)).get() == LeaseRequest())
        #expect(try LeaseRequest.read(Array("{}".utf8)).get() == LeaseRequest())
    }

    @Test func aLeaseRequestReadsEachFieldWithinItsBounds() throws {
        let read = try LeaseRequest.read(Array(#"{"max": 100, "waitSeconds": 30, "leaseSeconds": 30}"#.utf8)).get()
        #expect(read == LeaseRequest(max: 100, waitSeconds: 30, leaseSeconds: 30))
        // A whole number written with a fraction or an exponent is still that number.
        let written = try LeaseRequest.read(Array(#"{"max": 2.0, "waitSeconds": 1e1, "leaseSeconds": 3.6E3}"#.utf8)).get()
        #expect(written == LeaseRequest(max: 2, waitSeconds: 10, leaseSeconds: 3600))
    }

    @Test(arguments: [
        (#"{"max": 0, "waitSeconds": -1, "leaseSeconds": 3601}"#, ["/max", "/waitSeconds", "/leaseSeconds"], ReferralRejection.Kind.invalid),
        (#"{"max": 1.5, "waitSeconds": 1e3}"#, ["/max", "/waitSeconds"], .invalid),
        (#"{"max": "10", "wait": 5}"#, ["/max", "/wait"], .wrongShape),
        (#"[1]"#, [""], .wrongShape),
        (#"{"max": 1"#, [""], .malformed),
    ])
    func aBadLeaseRequestNamesEveryProblem(body: String, expected: [String], kind: ReferralRejection.Kind) {
        let result = LeaseRequest.read(Array(body.utf8))
        #expect(pointers(result) == expected)
        guard case .failure(let rejection) = result else { return }
        #expect(rejection.kind == kind)
    }

    @Test func aDecisionNeedsAKnownOutcomeAndAReason() throws {
        let decision = try DecisionRequest.read(Array(#"{"outcome": "strategy_discussion", "reason": "Section 47 threshold met"}"#.utf8)).get()
        #expect(decision == DecisionRequest(outcome: .strategyDiscussion, reason: "Section 47 threshold met", feedback: nil))
        #expect(pointers(DecisionRequest.read(Array(#"{"outcome": "nfa"}"#.utf8))) == ["/reason"])
        #expect(pointers(DecisionRequest.read(Array(#"{"outcome": "maybe", "reason": " ", "feedback": 3}"#.utf8))) == ["/outcome", "/reason", "/feedback"])
        let long = String(repeating: "x", count: DecisionRequest.maxFeedback + 1)
        #expect(pointers(DecisionRequest.read(Array(#"{"outcome": "nfa", "reason": "r", "feedback": "\#(long)"}"#.utf8))) == ["/feedback"])
    }

    @Test func anAckRequestListsLeaseIds() throws {
        let lease = UUID()
        #expect(try AckRequest.read(Array(#"{"leaseIds": ["\#(lease.uuidString.lowercased())"]}"#.utf8)).get() == AckRequest(leases: [lease]))
        #expect(pointers(AckRequest.read(Array(#"{"leaseIds": []}"#.utf8))) == ["/leaseIds"])
        #expect(pointers(AckRequest.read(Array(#"{}"#.utf8))) == ["/leaseIds"])
        #expect(pointers(AckRequest.read(Array(#"{"leaseIds": ["x", null, 3]}"#.utf8))) == ["/leaseIds/0", "/leaseIds/1", "/leaseIds/2"])
    }

    @Test func everyOutcomeOfTheContractIsKnown() {
        #expect(ScreeningOutcome.allCases.map(\.rawValue) == [
            "nfa", "advice", "early_help", "child_in_need_assessment", "strategy_discussion", "refer_other_agency", "existing_case",
        ])
    }
}
