import Hummingbird

/// Reading JSON request bodies: refused with 415 or 413 before they are read in
/// full when their type or length is wrong.
enum JSONBody {
    /// The body, at most `limit` bytes of `application/json`. With `optional`, an
    /// empty body of any type is accepted (and returned empty).
    static func read(_ request: Request, limit: Int, optional: Bool = false) async throws -> [UInt8] {
        let isJSON = isJSON(request.headers[.contentType])
        guard isJSON || optional else { throw unsupportedMediaType }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit { throw tooLarge(limit) }
        let body: [UInt8]
        do {
            body = Array(try await request.body.collect(upTo: limit).readableBytesView)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw tooLarge(limit)
        }
        guard isJSON || body.isEmpty else { throw unsupportedMediaType }
        return body
    }

    static let unsupportedMediaType = Problem(
        .unsupportedMediaType, "unsupported-media-type", "Unsupported media type", detail: "Send the document as application/json."
    )

    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let parts = contentType.lowercased().split(separator: ";").map(\.trimmingOptionalWhitespace)
        guard parts.first == "application/json" else { return false }
        // Only UTF-8 is JSON (RFC 8259); a charset, if named, must say so.
        return parts.dropFirst().allSatisfy { !$0.hasPrefix("charset=") || $0 == "charset=utf-8" || $0 == "charset=\"utf-8\"" }
    }

    static func tooLarge(_ limit: Int) -> Problem {
        Problem(.contentTooLarge, "too-large", "Request body too large", detail: "A request body may be at most \(limit) bytes here.")
    }
}

extension StringProtocol {
    /// Without the spaces and tabs HTTP allows around a header value's parts
    /// (RFC 9110 §5.6.3). Foundation's `trimmingCharacters(in:)` did the same at
    /// several times the cost, on every request.
    var trimmingOptionalWhitespace: SubSequence {
        let isOptionalWhitespace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isOptionalWhitespace($0) }), let last = lastIndex(where: { !isOptionalWhitespace($0) })
        else { return self[endIndex...] }
        return self[first...last]
    }
}
