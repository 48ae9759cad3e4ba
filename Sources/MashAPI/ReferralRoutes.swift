import Foundation
import Hummingbird
import Logging
import Metrics
import MashDomain
import MashStore

/// `POST /v1/referrals`, `GET /v1/referrals/{id}` and `POST /v1/referrals/{id}/updates`:
/// intake, status and updates for agencies.
struct ReferralRoutes {
    let store: Store
    let validator: ReferralValidator
    let thresholds: ThresholdsInUse
    let bodyLimit: Int

    func register(on group: RouterGroup<MashRequestContext>) {
        group.post("referrals", use: submit)
        group.get("referrals/:id", use: status)
        group.post("referrals/:id/updates", use: addUpdate)
    }

    /// Validates, stores and acknowledges one referral. The answer is sent only
    /// after the referral is committed; anything refused is quarantined first.
    @Sendable func submit(_ request: Request, context: MashRequestContext) async throws -> Response {
        let agency = try context.requireAgency()
        let body = try await JSONBody.read(request, limit: bodyLimit)
        switch validator.validate(body, receivedAt: Date(), agencyKind: agency.kind) {
        case .failure(let rejection):
            throw try await quarantine(body, of: request, refused: rejection, context: context, what: .referral)

        case .success(let accepted):
            guard let thresholds = thresholds.current else { throw Problem.noThresholds }
            let outcome = try await store.accept(
                agencyID: agency.id, agencyKind: agency.kind, referral: accepted.referral,
                document: String(decoding: body, as: UTF8.self), warnings: accepted.warnings, thresholds: thresholds.forIntake
            )
            Self.countIntake(kind: agency.kind, outcome)
            switch outcome {
            case .created(let acknowledgement):
                context.logger.info("referral received", metadata: ["agency": "\(agency.id)", "referral": "\(acknowledgement.id.lowercased)"])
                return JSONResponse.make(
                    status: .created, json: AcknowledgementBody(acknowledgement).json.utf8,
                    headers: [.location: "/v1/referrals/\(acknowledgement.id.lowercased)"]
                )
            case .replayed(let acknowledgement):
                return JSONResponse.make(status: .ok, json: AcknowledgementBody(acknowledgement).json.utf8)
            case .referenceReused:
                throw Problem(
                    .unprocessableContent, "reference-reused", "Reference already used",
                    detail: "This agency already sent a different referral with this reference. Use a new reference for a new referral, or POST /v1/referrals/{id}/updates to add to the first."
                )
            }
        }
    }

    /// The agency's own referral; anyone else's, or none, is 404.
    @Sendable func status(_ request: Request, context: MashRequestContext) async throws -> Response {
        let agency = try context.requireAgency()
        guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)),
              let referral = try await store.referral(id: id, agencyID: agency.id)
        else { throw Problem.notFound }
        return try JSONResponse.make(status: .ok, StatusBody(referral))
    }

    /// Appends supplementary information to the agency's own referral and triages
    /// it again (see `Store.addUpdate`); idempotent on the update's reference.
    @Sendable func addUpdate(_ request: Request, context: MashRequestContext) async throws -> Response {
        let agency = try context.requireAgency()
        guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw Problem.notFound }
        let body = try await JSONBody.read(request, limit: bodyLimit)
        switch validator.validateUpdate(body, receivedAt: Date()) {
        case .failure(let rejection):
            throw try await quarantine(body, of: request, refused: rejection, context: context, what: .update)
        case .success(let update):
            guard let thresholds = thresholds.current else { throw Problem.noThresholds }
            let outcome = try await store.addUpdate(
                update, document: String(decoding: body, as: UTF8.self), toReferral: id, agencyID: agency.id, agencyKind: agency.kind,
                thresholds: thresholds.forIntake, validator: validator
            )
            switch outcome {
            case .created(let acknowledgement):
                context.logger.info("referral updated", metadata: ["agency": "\(agency.id)", "referral": "\(id.lowercased)"])
                return try JSONResponse.make(status: .created, UpdateAcknowledgementBody(acknowledgement))
            case .replayed(let acknowledgement):
                return try JSONResponse.make(status: .ok, UpdateAcknowledgementBody(acknowledgement))
            case .referenceReused:
                throw Problem(
                    .unprocessableContent, "reference-reused", "Reference already used",
                    detail: "This referral already has a different update with this reference. Use a new reference for a new update."
                )
            case .referralNotFound:
                throw Problem.notFound
            }
        }
    }

    /// Keeps a refused submission in quarantine, so the MASH can chase its sender,
    /// and returns the problem to answer with.
    private func quarantine(
        _ body: [UInt8], of request: Request, refused rejection: ReferralRejection, context: MashRequestContext, what: Problem.Submission
    ) async throws -> Problem {
        let agency = try context.requireAgency()
        let problem = Problem.refused(rejection, of: what)
        if what == .referral {
            Counter(label: "mash_intake_total", dimensions: [("kind", agency.kind.rawValue), ("result", "refused")]).increment()
        }
        try await store.quarantine(
            agencyID: agency.id, contentType: request.headers[.contentType], body: body,
            httpStatus: problem.status.code, problems: rejection.problems
        )
        context.logger.info("\(what.name) refused", metadata: [
            "agency": "\(agency.id)", "status": "\(problem.status.code)", "problems": "\(rejection.problems.count)",
        ])
        return problem
    }
}

extension ReferralRoutes {
    /// Counts an intake by the agency's kind and its result (`mash_intake_total`):
    /// created, replayed, reference_reused, or refused (counted where it is quarantined).
    static func countIntake(kind: AgencyKind, _ outcome: IntakeOutcome) {
        let result = switch outcome {
        case .created: "created"
        case .replayed: "replayed"
        case .referenceReused: "reference_reused"
        }
        Counter(label: "mash_intake_total", dimensions: [("kind", kind.rawValue), ("result", result)]).increment()
    }
}

/// The acknowledgement body of CONTRACT §2.
struct AcknowledgementBody: Encodable {
    let id: String
    let reference: String
    let receivedAt: Date
    let status: String
    let warnings: [DocumentProblem]

    init(_ acknowledgement: Acknowledgement) {
        id = acknowledgement.id.lowercased
        reference = acknowledgement.reference
        receivedAt = acknowledgement.receivedAt
        status = acknowledgement.status
        warnings = acknowledgement.warnings
    }

    /// The body as `JSONResponse.encoder` writes it, written directly: it is the
    /// answer to every referral, and JSONEncoder's generic path took about 3% of
    /// mashd's CPU at intake (docs/BENCHMARKS.md). `Encodable` stays as the
    /// reference the tests hold this to.
    var json: String {
        let quoted = JSONString.quoted
        let warnings = warnings.map { #"{"detail":\#(quoted($0.detail)),"pointer":\#(quoted($0.pointer))}"# }
        return #"{"id":\#(quoted(id)),"receivedAt":\#(quoted(RFC3339.format(receivedAt))),"reference":\#(quoted(reference)),"#
            + #""status":\#(quoted(status)),"warnings":[\#(warnings.joined(separator: ","))]}"#
    }
}

/// The answer to an update: its id and reference, when it was received, and the
/// referral's status (agencies never see triage internals).
struct UpdateAcknowledgementBody: Encodable {
    let id: String
    let referralId: String
    let reference: String
    let receivedAt: Date
    let status: String

    init(_ acknowledgement: UpdateAcknowledgement) {
        id = acknowledgement.id.lowercased
        referralId = acknowledgement.referralID.lowercased
        reference = acknowledgement.reference
        receivedAt = acknowledgement.receivedAt
        status = acknowledgement.status
    }
}

/// What an agency sees of its referral. `decision` stays null until a screening
/// decision exists; its reason, for the record, is never shown.
struct StatusBody: Encodable {
    let view: ReferralStatusView
    init(_ view: ReferralStatusView) { self.view = view }

    enum CodingKeys: String, CodingKey { case id, reference, receivedAt, status, decision }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(view.id.lowercased, forKey: .id)
        try container.encode(view.reference, forKey: .reference)
        try container.encode(view.receivedAt, forKey: .receivedAt)
        try container.encode(view.status, forKey: .status)
        if let decision = view.decision {
            try container.encode(DecisionView(decision), forKey: .decision)
        } else {
            try container.encodeNil(forKey: .decision)
        }
    }

    /// `{"outcome", "decidedAt", "feedback"}`: feedback null when none was given.
    private struct DecisionView: Encodable {
        let decision: ScreeningDecision
        init(_ decision: ScreeningDecision) { self.decision = decision }

        enum CodingKeys: String, CodingKey { case outcome, decidedAt, feedback }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(decision.outcome, forKey: .outcome)
            try container.encode(decision.decidedAt, forKey: .decidedAt)
            try container.encode(decision.feedback, forKey: .feedback)
        }
    }
}

extension UUID {
    /// The canonical lower-case form used in URLs and bodies.
    var lowercased: String { uuidString.lowercased() }
}
