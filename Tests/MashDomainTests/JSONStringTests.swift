import Foundation
import MashDomain
import Testing

@Suite("JSON strings written by hand")
struct JSONStringTests {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        return encoder
    }()

    @Test(arguments: ["", "plain", "a/b", "say \"no\"", #"C:\temp"#, "é€😀\u{2028}\u{2029}\u{7F}"]
        + (0..<0x20).map { "x\(Character(Unicode.Scalar($0)!))y" })
    func escapedAsJSONEncoderEscapes(_ text: String) throws {
        #expect(JSONString.quoted(text) == String(decoding: try Self.encoder.encode(text), as: UTF8.self))
    }

    @Test func readsBackAsTheSameText() throws {
        let text = String(String.UnicodeScalarView((0...0x7F).compactMap(Unicode.Scalar.init))) + "é€😀"
        #expect(try JSONDecoder().decode(String.self, from: Data(JSONString.quoted(text).utf8)) == text)
    }
}
