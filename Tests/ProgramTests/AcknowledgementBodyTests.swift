import Foundation
@testable import MashAPI
import MashDomain
@testable import MashStore
import Testing

/// Intake's acknowledgement is written by hand for speed; it must be byte for
/// byte what JSONEncoder, with the encoding every other response uses, writes.
@Suite("The acknowledgement body, written by hand")
struct AcknowledgementBodyTests {
    static func encoded(_ body: AcknowledgementBody) throws -> String {
        String(decoding: try JSONResponse.encoder.encode(body), as: UTF8.self)
    }

    static func body(reference: String = "TVP-2026-0001", warnings: [DocumentProblem] = []) -> AcknowledgementBody {
        AcknowledgementBody(Acknowledgement(
            id: UUID(), reference: reference, receivedAt: Date(timeIntervalSince1970: 1_795_000_000.123456),
            status: "queued", warnings: warnings
        ))
    }

    @Test func withoutWarningsAndWithThem() throws {
        let warnings = [
            DocumentProblem(pointer: JSONPointer.root.appending("consent"), detail: "consent is not recorded"),
            DocumentProblem(pointer: JSONPointer.root.appending("concerns").appending(0).appending("detail"), detail: "the detail is short"),
        ]
        for body in [Self.body(), Self.body(warnings: warnings)] {
            #expect(body.json == (try Self.encoded(body)))
        }
    }

    @Test func everyCharacterIsEscapedAsJSONEncoderEscapesIt() throws {
        // Every ASCII character, and some beyond, in each of the strings the body holds.
        let text = String(String.UnicodeScalarView((0...0x7F).compactMap(Unicode.Scalar.init))) + "é€😀\u{2028}\u{2029}"
        let awkward = [DocumentProblem(pointer: JSONPointer.root.appending(text), detail: text)]
        let body = Self.body(reference: text, warnings: awkward)
        #expect(body.json == (try Self.encoded(body)))
    }
}
