import Foundation

/// A screening decision's outcome (CONTRACT §5, `mashctl decide`).
public enum ScreeningOutcome: String, Sendable, CaseIterable {
    case nfa
    case advice
    case earlyHelp = "early_help"
    case childInNeedAssessment = "child_in_need_assessment"
    case strategyDiscussion = "strategy_discussion"
    case referOtherAgency = "refer_other_agency"
    case existingCase = "existing_case"
}

/// `POST /v1/hubs/{hub}/leases`: how many referrals, how long to wait for one
/// when the inbox is empty, and how long to hold them.
public struct LeaseRequest: Sendable, Equatable {
    public var max: Int
    public var waitSeconds: Int
    public var leaseSeconds: Int

    public static let maxRange = 1...100
    public static let waitRange = 0...30
    public static let leaseRange = 30...3600

    public init(max: Int = 1, waitSeconds: Int = 0, leaseSeconds: Int = 300) {
        self.max = max
        self.waitSeconds = waitSeconds
        self.leaseSeconds = leaseSeconds
    }

    /// Reads the request body (every field optional, an empty body meaning the
    /// defaults), listing every problem.
    public static func read(_ body: [UInt8]) -> Result<LeaseRequest, ReferralRejection> {
        guard body.contains(where: { !" \t\r\n".utf8.contains($0) }) else { return .success(LeaseRequest()) }
        let problems = ProblemList()
        return readDocument(body, maxDepth: 4, problems: problems) { json in
            guard var object = problems.object(json, at: .root) else { return nil }
            var request = LeaseRequest()
            request.max = object.integer("max", range: maxRange) ?? request.max
            request.waitSeconds = object.integer("waitSeconds", range: waitRange) ?? request.waitSeconds
            request.leaseSeconds = object.integer("leaseSeconds", range: leaseRange) ?? request.leaseSeconds
            object.finish()
            return request
        }
    }
}

/// A screening decision: its outcome, the reason for the record, and feedback
/// for the referring agency (which sees outcome and feedback, never the reason).
public struct DecisionRequest: Sendable, Equatable {
    public let outcome: ScreeningOutcome
    public let reason: String
    public let feedback: String?

    public static let maxReason = 2_000
    public static let maxFeedback = 4_000

    public init(outcome: ScreeningOutcome, reason: String, feedback: String?) {
        self.outcome = outcome
        self.reason = reason
        self.feedback = feedback
    }

    /// Reads `{"outcome", "reason", "feedback"?}`, listing every problem.
    public static func read(_ body: [UInt8]) -> Result<DecisionRequest, ReferralRejection> {
        let problems = ProblemList()
        return readDocument(body, maxDepth: 4, problems: problems) { json in
            guard var object = problems.object(json, at: .root) else { return nil }
            let outcome = object.enumeration("outcome", ScreeningOutcome.self, required: true)
            let reason = object.string("reason", required: true, maxLength: maxReason)
            let feedback = object.string("feedback", maxLength: maxFeedback)
            object.finish()
            guard let outcome, let reason else { return nil }
            return DecisionRequest(outcome: outcome, reason: reason, feedback: feedback)
        }
    }
}

/// `POST /v1/hubs/{hub}/acks`: several leases acknowledged with one request.
public struct AckRequest: Sendable, Equatable {
    public let leases: [UUID]

    public static let count = 1...100

    public init(leases: [UUID]) { self.leases = leases }

    /// Reads `{"leaseIds": [...]}`, listing every problem.
    public static func read(_ body: [UInt8]) -> Result<AckRequest, ReferralRejection> {
        let problems = ProblemList()
        return readDocument(body, maxDepth: 4, problems: problems) { json in
            guard var object = problems.object(json, at: .root) else { return nil }
            let elements = object.array("leaseIds", required: true, count: count)
            object.finish()
            let leases = elements?.compactMap { element -> UUID? in
                guard let text = ObjectReader.string(element.value, at: element.pointer, required: true, maxLength: 36, problems: problems) else { return nil }
                guard let lease = UUID(uuidString: text) else {
                    problems.invalid(element.pointer, "must be a lease id as the lease response gave it")
                    return nil
                }
                return lease
            }
            return leases.map(AckRequest.init)
        }
    }
}
