/// One thing wrong with (or, as a warning, worth improving in) a submitted document,
/// located by a JSON Pointer.
public struct DocumentProblem: Sendable, Equatable, Codable, CustomStringConvertible {
    /// Where: a JSON Pointer such as `/children/0/nhsNumber` (empty for the whole document).
    public let pointer: String
    /// What, in words the sender can act on. Never repeats personal data the
    /// sender did not send, and echoes none of what they did.
    public let detail: String

    public init(pointer: JSONPointer, detail: String) {
        self.pointer = pointer.description
        self.detail = detail
    }

    public var description: String { "\(pointer.isEmpty ? "(document)" : pointer): \(detail)" }
}

/// Why a document was refused: what kind of failure, and every problem found.
public struct ReferralRejection: Error, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Not JSON at all (HTTP 400).
        case malformed
        /// JSON, but not shaped like the document: wrong types, unknown fields (HTTP 400).
        case wrongShape
        /// Shaped right, but values break the rules (HTTP 422).
        case invalid
    }

    public let kind: Kind
    public let problems: [DocumentProblem]
}

/// Collects problems while a document is read, remembering whether any of them is
/// about its shape rather than its values.
final class ProblemList {
    private(set) var problems: [DocumentProblem] = []
    private(set) var hasShapeProblem = false

    func shape(_ pointer: JSONPointer, _ detail: String) {
        hasShapeProblem = true
        problems.append(DocumentProblem(pointer: pointer, detail: detail))
    }

    func invalid(_ pointer: JSONPointer, _ detail: String) {
        problems.append(DocumentProblem(pointer: pointer, detail: detail))
    }

    func wrongType(_ pointer: JSONPointer, expected: String, found value: JSONValue) {
        shape(pointer, "must be \(expected), not \(value.typeName)")
    }

    /// Reads `value` as an object, or records that it is not one.
    func object(_ value: JSONValue, at pointer: JSONPointer) -> ObjectReader? {
        guard case .object(let object) = value else {
            wrongType(pointer, expected: "an object", found: value)
            return nil
        }
        return ObjectReader(object: object, pointer: pointer, problems: self)
    }
}

/// Parses a JSON body and reads it with `read`, which records its problems in the
/// list it is given; any problem refuses the document, with every one listed.
func readDocument<Document>(
    _ body: [UInt8], maxDepth: Int, problems: ProblemList, _ read: (JSONValue) -> Document?
) -> Result<Document, ReferralRejection> {
    let json: JSONValue
    do {
        json = try JSONParser(maxDepth: maxDepth).parse(body)
    } catch {
        return .failure(ReferralRejection(kind: .malformed, problems: [DocumentProblem(pointer: .root, detail: error.description)]))
    }
    if let document = read(json), problems.problems.isEmpty { return .success(document) }
    return .failure(ReferralRejection(kind: problems.hasShapeProblem ? .wrongShape : .invalid, problems: problems.problems))
}
