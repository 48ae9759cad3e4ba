import Foundation
import Hummingbird
import Logging
import MashDomain
import MashStore

/// `POST /v1/hubs/{hub}/leases`, `.../leases/{leaseId}/ack`, `.../leases/{leaseId}/release`
/// and `.../referrals/{id}/decision`: how a hub's own case system takes referrals
/// out of its inbox (CONTRACT §2). A hub's token reaches only its own hub.
struct HubRoutes {
    let store: Store
    /// How long a waiting lease request sleeps, at most, before it looks in the
    /// inbox again even though nothing woke it: the safety net under the signals.
    let safetyPoll: Duration

    /// Hub requests are small, but every valid one must fit, however it is
    /// written: the largest is a decision whose reason and feedback (2,000 and
    /// 4,000 characters) have every character escaped as a surrogate pair,
    /// 12 bytes each, 72,000 in all. Anything larger is a mistake.
    static let bodyLimit = 96 * 1024

    func register(on group: RouterGroup<MashRequestContext>) {
        group.post("hubs/:hub/leases", use: lease)
        group.post("hubs/:hub/leases/:lease/ack", use: acknowledge)
        group.post("hubs/:hub/leases/:lease/release", use: release)
        group.post("hubs/:hub/acks", use: acknowledgeMany)
        group.post("hubs/:hub/referrals/:id/decision", use: decide)
    }

    /// Leases referrals in priority order, waiting up to `waitSeconds` for one to
    /// arrive when the inbox is empty. While it waits it holds no database
    /// connection: it sleeps until a referral is committed to the hub (in this
    /// daemon or, through NOTIFY, another) or the safety poll comes round.
    @Sendable func lease(_ request: Request, context: MashRequestContext) async throws -> Response {
        let hub = try context.requireHub(context.parameters.get("hub"))
        let body = try await JSONBody.read(request, limit: Self.bodyLimit, optional: true)
        let asked: LeaseRequest
        switch LeaseRequest.read(body) {
        case .success(let read): asked = read
        case .failure(let rejection): throw Problem.refused(rejection, of: .leaseRequest)
        }
        let deadline = ContinuousClock.now + .seconds(asked.waitSeconds)
        while true {
            let seen = store.signals.generation(of: hub)
            let leases = try await store.lease(hub: hub, max: asked.max, seconds: asked.leaseSeconds, actor: Self.actor(hub))
            let now = ContinuousClock.now
            if !leases.isEmpty || now >= deadline || Task.isCancelled {
                if !leases.isEmpty {
                    context.logger.info("referrals leased", metadata: ["hub": "\(hub)", "count": "\(leases.count)"])
                }
                return Self.leasesResponse(leases)
            }
            guard await store.signals.wait(hub: hub, after: seen, timeout: min(deadline - now, safetyPoll)) else {
                throw Problem.tooManyWaiting
            }
        }
    }

    @Sendable func acknowledge(_ request: Request, context: MashRequestContext) async throws -> Response {
        try await endLease(context, "acknowledged") { hub, lease in
            try await store.acknowledge(hub: hub, lease: lease, actor: Self.actor(hub))
        }
    }

    @Sendable func release(_ request: Request, context: MashRequestContext) async throws -> Response {
        try await endLease(context, "released") { hub, lease in
            try await store.release(hub: hub, lease: lease, actor: Self.actor(hub))
        }
    }

    /// An addition to the contract: `{"leaseIds": [...]}` (1–100) acknowledged in
    /// one statement and one commit, for a hub system that leases in batches. 200
    /// with `{"results": [{"leaseId", "status", "detail"?}]}` in the order asked,
    /// each `status` what `.../ack` would have answered for that lease alone.
    @Sendable func acknowledgeMany(_ request: Request, context: MashRequestContext) async throws -> Response {
        let hub = try context.requireHub(context.parameters.get("hub"))
        let asked: AckRequest
        switch AckRequest.read(try await JSONBody.read(request, limit: Self.bodyLimit)) {
        case .success(let read): asked = read
        case .failure(let rejection): throw Problem.refused(rejection, of: .ackRequest)
        }
        let outcomes = try await store.acknowledge(hub: hub, leases: asked.leases, actor: Self.actor(hub))
        let results = zip(asked.leases, outcomes).map { lease, outcome in
            switch outcome {
            case .done, .alreadyDone: AckResult(leaseId: lease.lowercased, status: 204, detail: nil)
            case .conflict(let reason): AckResult(leaseId: lease.lowercased, status: 409, detail: reason)
            case .notFound: AckResult(leaseId: lease.lowercased, status: 404, detail: "This hub holds no such lease.")
            }
        }
        let acked = outcomes.filter { if case .done = $0 { true } else { false } }.count
        if acked > 0 { context.logger.info("leases acknowledged", metadata: ["hub": "\(hub)", "count": "\(acked)"]) }
        return try JSONResponse.make(status: .ok, AckResults(results: results))
    }

    /// 204 when the lease was ended now or by this same request before; 409 when
    /// it is no longer live; 404 when this hub never held it.
    private func endLease(
        _ context: MashRequestContext, _ done: String, _ end: (String, UUID) async throws -> LeaseOutcome
    ) async throws -> Response {
        let hub = try context.requireHub(context.parameters.get("hub"))
        guard let lease = context.parameters.get("lease").flatMap(UUID.init(uuidString:)) else { throw Problem.notFound }
        switch try await end(hub, lease) {
        case .done(let referral):
            context.logger.info("lease \(done)", metadata: ["hub": "\(hub)", "referral": "\(referral.lowercased)"])
            return Response(status: .noContent)
        case .alreadyDone:
            return Response(status: .noContent)
        case .conflict(let reason):
            throw Problem.leaseConflict(reason)
        case .notFound:
            throw Problem.notFound
        }
    }

    /// Records the screening decision on one of the hub's referrals (as
    /// `mashctl decide`); the referring agency then sees outcome and feedback.
    @Sendable func decide(_ request: Request, context: MashRequestContext) async throws -> Response {
        let hub = try context.requireHub(context.parameters.get("hub"))
        guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw Problem.notFound }
        let decision: DecisionRequest
        switch DecisionRequest.read(try await JSONBody.read(request, limit: Self.bodyLimit)) {
        case .success(let read): decision = read
        case .failure(let rejection): throw Problem.refused(rejection, of: .decision)
        }
        switch try await store.decide(referral: id, hub: hub, decision, actor: Self.actor(hub)) {
        case .decided(let recorded):
            context.logger.info("referral decided", metadata: ["hub": "\(hub)", "referral": "\(id.lowercased)", "outcome": "\(recorded.outcome)"])
            return try JSONResponse.make(status: .ok, DecisionBody(referralId: id.lowercased, recorded))
        case .alreadyDecided(let recorded):
            return try JSONResponse.make(status: .ok, DecisionBody(referralId: id.lowercased, recorded))
        case .conflict(let reason):
            throw Problem.decisionConflict(reason)
        case .notFound:
            throw Problem.notFound
        }
    }

    /// How the delivery history names a hub system.
    static func actor(_ hub: String) -> String { "hub:\(hub)" }

    /// `{"leases": [...]}`: each lease is JSON already, built by the store.
    static func leasesResponse(_ leases: [Lease]) -> Response {
        var body = ByteBuffer()
        body.writeString(#"{"leases":["#)
        for (index, lease) in leases.enumerated() {
            if index > 0 { body.writeString(",") }
            body.writeString(lease.json)
        }
        body.writeString("]}")
        return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: body))
    }
}

/// A screening decision as recorded: what the referrer will see, `feedback` null
/// when none was given (as in the referrer's view).
struct DecisionBody: Encodable {
    let referralId: String
    let outcome: String
    let decidedAt: Date
    let feedback: String?

    init(referralId: String, _ decision: ScreeningDecision) {
        self.referralId = referralId
        outcome = decision.outcome
        decidedAt = decision.decidedAt
        feedback = decision.feedback
    }

    enum CodingKeys: String, CodingKey { case referralId, outcome, decidedAt, feedback }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(referralId, forKey: .referralId)
        try container.encode(outcome, forKey: .outcome)
        try container.encode(decidedAt, forKey: .decidedAt)
        // `encode`, not the synthesised `encodeIfPresent`, which would leave it out.
        try container.encode(feedback, forKey: .feedback)
    }
}

/// The answer to a batch of acks: one result per lease, in the order asked.
struct AckResults: Encodable {
    let results: [AckResult]
}

struct AckResult: Encodable {
    let leaseId: String
    let status: Int
    let detail: String?
}
