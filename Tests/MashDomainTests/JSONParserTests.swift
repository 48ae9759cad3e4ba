import MashDomain
import Testing

/// Parses `text` (as its UTF-8 bytes) with the default depth limit unless told otherwise.
private func parse(_ text: String, maxDepth: Int = 16) throws(JSONSyntaxError) -> JSONValue {
    try JSONParser(maxDepth: maxDepth).parse(Array(text.utf8))
}

/// The error parsing `bytes` throws, or nil when it parses.
private func failure(_ bytes: [UInt8], maxDepth: Int = 16) -> JSONSyntaxError? {
    do {
        _ = try JSONParser(maxDepth: maxDepth).parse(bytes)
        return nil
    } catch {
        return error
    }
}

private func failure(_ text: String, maxDepth: Int = 16) -> JSONSyntaxError? {
    failure(Array(text.utf8), maxDepth: maxDepth)
}

/// The keys of a parsed object, in the order the parser kept them.
private func keys(_ value: JSONValue) -> [String]? {
    guard case .object(let object) = value else { return nil }
    return object.members.map(\.key)
}

@Suite("JSONParser: valid documents")
struct JSONParserValidTests {
    @Test func literals() throws {
        #expect(try parse("null") == .null)
        #expect(try parse("true") == .bool(true))
        #expect(try parse("false") == .bool(false))
    }

    @Test(arguments: ["0", "-0", "7", "-12", "10", "3.25", "-0.5", "1e10", "1E+10", "2.5e-3", "0e0", "-1.0E-0"])
    func numbersKeepTheirText(_ text: String) throws {
        #expect(try parse(text) == .number(text))
    }

    @Test func hugeNumbersAreKeptAsText() throws {
        let huge = "123456789012345678901234567890123456789012345678901234567890.000000000000000000001e-400"
        #expect(try parse(huge) == .number(huge))
        let big = "18446744073709551616"  // UInt64.max + 1
        #expect(try parse("[\(big)]") == .array([.number(big)]))
    }

    @Test func strings() throws {
        #expect(try parse(#""""#) == .string(""))
        #expect(try parse(#""Amira Khan""#) == .string("Amira Khan"))
    }

    @Test func escapes() throws {
        #expect(try parse(#""\" \\ \/ \b \f \n \r \t""#) == .string("\" \\ / \u{8} \u{C} \n \r \t"))
        #expect(try parse(#""\u0041\u00e9\u20AC""#) == .string("Aé€"))
        #expect(try parse(#""\u0000""#) == .string("\u{0}"))
        #expect(try parse(#""a\u001fb""#) == .string("a\u{1F}b"))
    }

    @Test(arguments: [
        (#""\ud83d\ude00""#, "😀"),
        (#""\uD83D\uDE00""#, "😀"),
        (#""a\ud83d\ude00b""#, "a😀b"),
        (#""\udbff\udfff""#, "\u{10FFFF}"),
        (#""\ud800\udc00""#, "\u{10000}"),
    ])
    func surrogatePairs(_ text: String, _ expected: String) throws {
        #expect(try parse(text) == .string(expected))
    }

    @Test func multibyteUTF8() throws {
        let text = "Zoë Ó Briain – 東京 – 😀 – ΑΒΓ"
        // The fast path (no escapes) and the slow path (after an escape) both keep it.
        #expect(try parse("\"\(text)\"") == .string(text))
        #expect(try parse("\"\\n\(text)\"") == .string("\n" + text))
        #expect(try parse("{\"\(text)\": \"\(text)\"}") == .object(JSONObject(members: [(text, .string(text))])))
    }

    @Test func arrays() throws {
        #expect(try parse("[]") == .array([]))
        #expect(
            try parse(#"[1, "a", null, true, false, [], {}, [2]]"#)
                == .array([
                    .number("1"), .string("a"), .null, .bool(true), .bool(false), .array([]),
                    .object(JSONObject(members: [])), .array([.number("2")]),
                ])
        )
    }

    @Test func objects() throws {
        #expect(try parse("{}") == .object(JSONObject(members: [])))
        let value = try parse(#"{"name": "Amira", "age": 10, "tags": ["a"], "inner": {"x": null}}"#)
        guard case .object(let object) = value else {
            Issue.record("expected an object, got \(value)")
            return
        }
        #expect(object["name"] == .string("Amira"))
        #expect(object["age"] == .number("10"))
        #expect(object["tags"] == .array([.string("a")]))
        #expect(object["inner"] == .object(JSONObject(members: [("x", .null)])))
        #expect(object["missing"] == nil)
    }

    @Test func objectsKeepMemberOrder() throws {
        #expect(keys(try parse(#"{"z": 1, "a": 2, "m": 3, "b": 4}"#)) == ["z", "a", "m", "b"])
        #expect(keys(try parse(#"{"b": 1, "a": 2}"#)) == ["b", "a"])
        // Order matters for equality too.
        #expect(try parse(#"{"a": 1, "b": 2}"#) != parse(#"{"b": 2, "a": 1}"#))
    }

    @Test func sameKeyInDifferentObjectsIsFine() throws {
        #expect(
            try parse(#"[{"a": 1}, {"a": 2}]"#)
                == .array([.object(JSONObject(members: [("a", .number("1"))])), .object(JSONObject(members: [("a", .number("2"))]))])
        )
        #expect(keys(try parse(#"{"a": {"a": 1}}"#)) == ["a"])
    }

    @Test func surroundingWhitespace() throws {
        #expect(try parse(" \t\r\n[ 1 ,\n2\t]\r\n ") == .array([.number("1"), .number("2")]))
        #expect(try parse("\n{ \"a\" : true }\n") == .object(JSONObject(members: [("a", .bool(true))])))
    }

    @Test func nestingUpToMaxDepthIsAccepted() throws {
        let arrays = String(repeating: "[", count: 16) + String(repeating: "]", count: 16)
        #expect(throws: Never.self) { try parse(arrays) }
        let objects = String(repeating: #"{"a":"#, count: 16) + "1" + String(repeating: "}", count: 16)
        #expect(throws: Never.self) { try parse(objects) }
        #expect(try parse("[[1]]", maxDepth: 2) == .array([.array([.number("1")])]))
        // Scalars do not count as a level.
        #expect(try parse("1", maxDepth: 0) == .number("1"))
    }
}

@Suite("JSONParser: malformed documents")
struct JSONParserRejectionTests {
    @Test(arguments: [
        // Trailing commas.
        ("[1,]", 3), (#"{"a":1,}"#, 7), ("[1,2,]", 5),
        // Single quotes.
        ("'a'", 0), ("{'a':1}", 1), (#"["a",'b']"#, 5),
        // Leading zeros and other bad numbers.
        ("01", 1), ("-01", 2), ("[01]", 2), ("00", 1),
        ("NaN", 0), ("-NaN", 0), ("Infinity", 0), ("-Infinity", 0),
        ("+1", 0), (".5", 0), ("1.", 0), ("1.e5", 0), ("1e", 0), ("1e+", 0), ("-", 0), ("0x10", 1),
        // Bad literals.
        ("tru", 0), ("nul", 0), ("True", 0), ("nulll", 4), ("[fals]", 1),
        // Unterminated strings and escapes.
        (#""abc"#, 0), (#"["abc"#, 1), (#"{"a":"b}"#, 5), (#""ab\"#, 4), (#""\u12""#, 3),
        (#""\u12G4""#, 5), (#""\x""#, 1), (#""\'""#, 1),
        // Structure.
        ("", 0), ("   ", 3), ("[", 1), (#"{"a":1"#, 6), ("[1 2]", 3), (#"{"a" 1}"#, 5), ("{a:1}", 1),
        (#"{"a":}"#, 5), (#"{"a"}"#, 4), ("]", 0), ("{,}", 1),
        // Trailing garbage.
        ("[1] x", 4), ("{} {}", 3), ("1 2", 2), (#""a""b""#, 3), ("null,", 4),
        // Only space, tab, LF and CR are whitespace.
        ("\u{0C}1", 0), ("\u{A0}1", 0), ("[1,\u{0B}2]", 3),
    ])
    func rejects(_ text: String, at offset: Int) {
        let error = failure(text)
        #expect(error?.offset == offset, "\(error.map(\.description) ?? "parsed")")
    }

    @Test(arguments: [
        ("\"a\tb\"", 2), ("\"a\nb\"", 2), ("\"\r\"", 1), ("\"\u{0}\"", 1), ("\"\u{1F}\"", 1),
        // ... also after an escape (the slow path).
        ("\"\\n\u{1}\"", 3),
    ])
    func rejectsUnescapedControlCharacters(_ text: String, at offset: Int) {
        #expect(failure(text)?.offset == offset)
    }

    @Test(arguments: [
        (#"{"a":1,"a":2}"#, 7),
        (#"{"a":1, "a":2}"#, 8),
        (#"{"a":{"b":1,"b":2}}"#, 12),
        (#"{"a":1,"b":2,"a":3}"#, 13),
        // Equal after unescaping is still the same key.
        (#"{"a":1,"\u0061":2}"#, 7),
    ])
    func rejectsDuplicateKeysAtTheSecondKey(_ text: String, at offset: Int) {
        let error = failure(text)
        #expect(error?.offset == offset)
        #expect(error?.message.hasPrefix("duplicate key") == true)
    }

    @Test(arguments: ["k0", "k15", "k16", "k19"])
    func rejectsDuplicateKeysInLargeObjects(_ repeated: String) {
        // Past 16 members duplicates are found through a set rather than a scan:
        // a repeat of a key from either side of that point must still be caught.
        let members = (0..<20).map { #""k\#($0)":\#($0)"# } + [#""\#(repeated)":0"#]
        let text = "{" + members.joined(separator: ",") + "}"
        let error = failure(text)
        #expect(error?.message.hasPrefix("duplicate key") == true)
        #expect(error?.offset == text.utf8.count - #""\#(repeated)":0}"#.utf8.count)
        #expect(failure("{" + members.dropLast().joined(separator: ",") + "}") == nil)
    }

    @Test func duplicateKeyErrorDoesNotEchoTheKey() {
        // The offset says where; the key itself may be personal data.
        let error = failure(#"{"Amira Khan": 1, "Amira Khan": 2}"#)
        #expect(error?.offset == 18)
        #expect(error?.description.contains("Amira") == false)
    }

    @Test func rejectsANulInAKeyButNotInAValue() {
        // A key holding NUL could not be kept: jsonb refuses it, and a refused document's problems name the key.
        #expect(failure(#"{"ok": 1, "a\u0000b": 1}"#)?.offset == 10)
        #expect(failure(#"{"a": "b\u0000c"}"#) == nil)
    }

    @Test func rejectsNestingDeeperThanMaxDepth() {
        // One level too deep: the 17th bracket is refused.
        #expect(failure(String(repeating: "[", count: 17) + String(repeating: "]", count: 17))?.offset == 16)
        #expect(failure(String(repeating: #"{"a":"#, count: 17) + "1" + String(repeating: "}", count: 17))?.offset == 16 * 5)
        #expect(failure("[[]]", maxDepth: 1)?.offset == 1)
        #expect(failure(#"[{"a":[]}]"#, maxDepth: 2)?.offset == 6)
    }

    @Test func hugeNestingThrowsInsteadOfCrashing() {
        let depth = 100_000
        let error = failure([UInt8](repeating: UInt8(ascii: "["), count: depth))
        #expect(error?.offset == 16)
        #expect(error?.message.contains("nesting") == true)
        let closed = [UInt8](repeating: UInt8(ascii: "["), count: depth) + [UInt8](repeating: UInt8(ascii: "]"), count: depth)
        #expect(failure(closed)?.offset == 16)
        let objects = Array(String(repeating: #"{"a":"#, count: depth).utf8)
        #expect(failure(objects)?.offset == 16 * 5)
        // Even with a generous limit nothing is recursed without bound.
        #expect(failure([UInt8](repeating: UInt8(ascii: "["), count: depth), maxDepth: 1_000)?.offset == 1_000)
    }

    @Test(arguments: [
        // Overlong encodings.
        ([0x22, 0xC0, 0xAF, 0x22], 1), ([0x22, 0xC1, 0xBF, 0x22], 1),
        ([0x22, 0xE0, 0x80, 0xAF, 0x22], 1), ([0x22, 0xF0, 0x80, 0x80, 0xAF, 0x22], 1),
        // Lone continuation bytes.
        ([0x22, 0x80, 0x22], 1), ([0x22, 0x61, 0xBF, 0x22], 2),
        // UTF-8 encoded surrogates.
        ([0x22, 0xED, 0xA0, 0x80, 0x22], 1), ([0x22, 0xED, 0xBF, 0xBF, 0x22], 1),
        // Truncated sequences: inside the string, and at the end of the input.
        ([0x22, 0xE2, 0x82, 0x22], 1), ([0x22, 0xC3, 0x22], 1), ([0x22, 0xF0, 0x9F, 0x98, 0x22], 1),
        ([0x22, 0xE2, 0x82], 1), ([0x22, 0xC3], 1), ([0x22, 0xF0, 0x9F, 0x98], 1),
        // A lead byte followed by a non-continuation byte.
        ([0x22, 0xC3, 0x28, 0x22], 1), ([0x22, 0xE2, 0x82, 0x28, 0x22], 1), ([0x22, 0xF0, 0x9F, 0x28, 0x80, 0x22], 1),
        // Beyond U+10FFFF, and bytes that never occur.
        ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 1), ([0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], 1),
        ([0x22, 0xFE, 0x22], 1), ([0x22, 0xFF, 0x22], 1),
        // After an escape (the slow path).
        ([0x22, 0x5C, 0x6E, 0xC0, 0xAF, 0x22], 3), ([0x22, 0x5C, 0x6E, 0xE2, 0x82, 0x22], 3),
        ([0x22, 0x5C, 0x6E, 0xED, 0xA0, 0x80, 0x22], 3), ([0x22, 0x5C, 0x6E, 0x80, 0x22], 3),
        // In an object key.
        ([0x7B, 0x22, 0xC0, 0xAF, 0x22, 0x3A, 0x31, 0x7D], 2),
        // Outside a string.
        ([0xC3, 0xA9], 0), ([0x5B, 0x31, 0x2C, 0xFF, 0x5D], 3),
    ] as [([UInt8], Int)])
    func rejectsInvalidUTF8(_ bytes: [UInt8], at offset: Int) {
        #expect(failure(bytes)?.offset == offset)
    }

    @Test(arguments: [
        ([0x22, 0xC3, 0xA9, 0x22], "é"),
        ([0x22, 0xE2, 0x82, 0xAC, 0x22], "€"),
        ([0x22, 0xF0, 0x9F, 0x98, 0x80, 0x22], "😀"),
        ([0x22, 0xF4, 0x8F, 0xBF, 0xBF, 0x22], "\u{10FFFF}"),
        ([0x22, 0xED, 0x9F, 0xBF, 0x22], "\u{D7FF}"),
        ([0x22, 0xEE, 0x80, 0x80, 0x22], "\u{E000}"),
        ([0x22, 0xC2, 0x80, 0x22], "\u{80}"),
    ] as [([UInt8], String)])
    func acceptsValidUTF8AtTheEdges(_ bytes: [UInt8], _ expected: String) throws {
        #expect(try JSONParser().parse(bytes) == .string(expected))
    }

    @Test(arguments: [
        (#""\ud800""#, 1), (#""\udc00""#, 1), (#""\udfff""#, 1), (#""\uDBFF""#, 1),
        (#""\ud800\u0041""#, 1), (#""\ud800\ud800""#, 1), (#""\ud800x""#, 1), (#""\ud800\n""#, 1),
        (#""\udc00\ud800""#, 1), (#""ab\ud83d""#, 3), (#"["ok","\ude00"]"#, 7),
    ])
    func rejectsEscapedLoneSurrogates(_ text: String, at offset: Int) {
        let error = failure(text)
        #expect(error?.offset == offset)
        #expect(error?.message.contains("surrogate") == true)
    }

    @Test func errorDescriptionNamesTheOffset() {
        let error = failure("[1,]")
        #expect(error?.offset == 3)
        #expect(error?.description.hasPrefix("malformed JSON at byte 3: ") == true)
    }
}

@Suite("JSONPointer")
struct JSONPointerTests {
    @Test func buildsPointers() {
        #expect(JSONPointer.root.description == "")
        #expect(JSONPointer.root.appending("children").appending(0).appending("nhsNumber").description == "/children/0/nhsNumber")
        #expect(JSONPointer.root.appending(12).description == "/12")
    }

    @Test func escapesTildeAndSlash() {
        #expect(JSONPointer.root.appending("a/b").description == "/a~1b")
        #expect(JSONPointer.root.appending("m~n").description == "/m~0n")
        #expect(JSONPointer.root.appending("~1").description == "/~01")
        #expect(JSONPointer.root.appending("").description == "/")
    }

    @Test func typeNames() {
        #expect(JSONValue.null.typeName == "null")
        #expect(JSONValue.bool(true).typeName == "boolean")
        #expect(JSONValue.number("1").typeName == "number")
        #expect(JSONValue.string("").typeName == "string")
        #expect(JSONValue.array([]).typeName == "array")
        #expect(JSONValue.object(JSONObject(members: [])).typeName == "object")
    }
}
