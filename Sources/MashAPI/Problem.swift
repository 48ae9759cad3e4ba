import Foundation
import Hummingbird
import MashDomain

/// An RFC 9457 problem: every error the API returns, as `application/problem+json`.
///
/// `type` is a URI reference relative to the API (`/problems/<slug>`); docs/API.md
/// lists every one. Details never carry personal data beyond what the caller sent,
/// and validation details echo none of it.
public struct Problem: Error, HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let slug: String
    public let title: String
    public let detail: String
    public let errors: [DocumentProblem]?
    public let headers: HTTPFields

    public init(_ status: HTTPResponse.Status, _ slug: String, _ title: String, detail: String, errors: [DocumentProblem]? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.errors = errors
        self.headers = headers
    }

    public var type: String { "/problems/\(slug)" }

    private struct Body: Encodable {
        let type: String
        let title: String
        let status: Int
        let detail: String
        let errors: [DocumentProblem]?
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = Body(type: type, title: title, status: status.code, detail: detail, errors: errors)
        var response = try JSONResponse.make(status: status, body, contentType: "application/problem+json")
        response.headers.append(contentsOf: headers)
        return response
    }

    // MARK: The problems the API uses

    static let unauthorized = Problem(
        .unauthorized, "unauthorized", "Authentication required",
        detail: "Send a live token as 'Authorization: Bearer <token>'.",
        headers: [.wwwAuthenticate: "Bearer"]
    )

    static func forbidden(_ detail: String) -> Problem {
        Problem(.forbidden, "forbidden", "Not allowed", detail: detail)
    }

    static let notFound = Problem(.notFound, "not-found", "Not found", detail: "There is nothing here that this token may see.")

    /// The path exists but does not serve this method; `allow` lists those it does.
    static func methodNotAllowed(allow: String) -> Problem {
        Problem(.methodNotAllowed, "method-not-allowed", "Method not allowed", detail: "This path does not accept that method.", headers: [.allow: allow])
    }

    static func unavailable(retryAfter seconds: Int) -> Problem {
        Problem(
            .serviceUnavailable, "unavailable", "Temporarily unavailable",
            detail: "The database cannot be reached, so nothing was stored. Retry later with the same reference.",
            headers: [.retryAfter: String(seconds)]
        )
    }

    /// No threshold document has been applied, so a referral could not be routed.
    static let noThresholds = Problem(
        .serviceUnavailable, "no-thresholds", "Not ready to route referrals",
        detail: "No threshold document has been applied yet, so referrals cannot be routed; nothing was stored. Retry later with the same reference.",
        headers: [.retryAfter: "30"]
    )

    /// What a client may send a document for, as problem details name it.
    enum Submission: String {
        case referral, update
        case leaseRequest = "lease-request"
        case ackRequest = "ack-request"
        case decision

        var name: String { rawValue.replacingOccurrences(of: "-", with: " ") }
        var withArticle: String { ("aeiou".contains(name.first!) ? "an " : "a ") + name }
    }

    /// The answer to a document refused by validation: 400 when it is not JSON or
    /// not shaped like `what`, 422 when its values break the rules; every problem
    /// listed in `errors`.
    static func refused(_ rejection: ReferralRejection, of what: Submission) -> Problem {
        let count = rejection.problems.count
        switch rejection.kind {
        case .malformed:
            return Problem(.badRequest, "malformed-json", "Malformed JSON", detail: rejection.problems.first?.detail ?? "The body is not JSON.", errors: rejection.problems)
        case .wrongShape:
            return Problem(.badRequest, "invalid-shape", "Not \(what.withArticle) document", detail: "The document does not have the shape of \(what.withArticle): \(count) problem\(count == 1 ? "" : "s") listed in errors.", errors: rejection.problems)
        case .invalid:
            return Problem(.unprocessableContent, "invalid-\(what.rawValue)", "Invalid \(what.name)", detail: "The \(what.name) breaks \(count) rule\(count == 1 ? "" : "s"), listed in errors.", errors: rejection.problems)
        }
    }

    /// An ack or release on a lease that is no longer live.
    static func leaseConflict(_ detail: String) -> Problem {
        Problem(.conflict, "lease-conflict", "Lease no longer live", detail: detail)
    }

    static func decisionConflict(_ detail: String) -> Problem {
        Problem(.conflict, "decision-conflict", "Cannot record this decision", detail: detail)
    }

    /// The agency sent more requests than its rate allows.
    static func tooManyRequests(retryAfter seconds: Int) -> Problem {
        Problem(
            .tooManyRequests, "rate-limited", "Too many requests",
            detail: "This agency has used its allowance of requests per minute. Retry after \(seconds) s; nothing was stored.",
            headers: [.retryAfter: String(seconds)]
        )
    }

    /// Mutual TLS is required and the client certificate does not name the token's agency or hub.
    static func certificateMismatch(_ detail: String) -> Problem {
        Problem(.forbidden, "certificate-mismatch", "Client certificate does not match the token", detail: detail)
    }

    /// Too many lease requests are already waiting in this daemon.
    static let tooManyWaiting = Problem(
        .serviceUnavailable, "too-many-waiting", "Too many lease requests waiting",
        detail: "This daemon already holds as many waiting lease requests as it allows. Retry shortly, or wait less (waitSeconds).",
        headers: [.retryAfter: "1"]
    )

    static let internalError = Problem(
        .internalServerError, "internal", "Internal error",
        detail: "Something went wrong inside mash-broker; nothing was stored. Retry later with the same reference."
    )
}

/// JSON bodies with dates as RFC 3339 in UTC, the one encoding every response uses.
enum JSONResponse {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(RFC3339.format(date))
        }
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return encoder
    }()

    static func make(status: HTTPResponse.Status, _ body: some Encodable, contentType: String = "application/json", headers: HTTPFields = [:]) throws -> Response {
        make(status: status, json: try encoder.encode(body), contentType: contentType, headers: headers)
    }

    /// A body already written as JSON.
    static func make(status: HTTPResponse.Status, json: some Sequence<UInt8>, contentType: String = "application/json", headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = contentType
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: json)))
    }
}
