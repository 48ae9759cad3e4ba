import MashDomain
import Testing

// MARK: - NHS number

/// The modulus 11 check for nine digits, computed independently of `NHSNumber`:
/// weights 10 down to 2, 11 − (sum mod 11), 11 becomes 0 (10 is left as 10, i.e. impossible).
private func nhsCheck(_ prefix: [Int]) -> Int {
    let sum = zip(prefix, (2...10).reversed()).reduce(0) { $0 + $1.0 * $1.1 }
    let check = 11 - sum % 11
    return check == 11 ? 0 : check
}

private func digits(_ text: String) -> [Int] { text.map { Int(String($0))! } }

/// The first nine-digit prefix at or after `start` whose check digit is `check`.
private func nhsPrefix(from start: Int, withCheck check: Int) -> String {
    var candidate = start
    while nhsCheck(digits(String(candidate))) != check { candidate += 1 }
    return String(candidate)
}

@Suite("NHSNumber")
struct NHSNumberTests {
    @Test func validNumber() {
        #expect(NHSNumber("9434765919")?.description == "9434765919")
    }

    @Test(arguments: ["943 476 5919", " 9434765919 ", "943476 5919", "9 4 3 4 7 6 5 9 1 9"])
    func spacesAreAcceptedAndRemoved(_ text: String) {
        #expect(NHSNumber(text)?.description == "9434765919")
        #expect(NHSNumber(text) == NHSNumber("9434765919"))
    }

    @Test(arguments: [0, 1, 2, 3, 4, 5, 6, 7, 8])
    func wrongCheckDigitIsInvalid(_ last: Int) {
        #expect(NHSNumber("943476591\(last)") == nil)
    }

    @Test func aTransposedDigitIsInvalid() {
        #expect(NHSNumber("9434765991") == nil)
        #expect(NHSNumber("4934765919") == nil)
    }

    @Test func checkOfTenIsNeverValid() throws {
        let prefix = nhsPrefix(from: 100_000_000, withCheck: 10)
        #expect(prefix.count == 9)
        for last in 0...9 {
            #expect(NHSNumber(prefix + String(last)) == nil, "\(prefix)\(last)")
        }
    }

    @Test func checkOfElevenBecomesZero() throws {
        // 11 − (sum mod 11) is 11 when the sum is a multiple of 11: the check digit is 0.
        let prefix = nhsPrefix(from: 400_000_000, withCheck: 0)
        #expect(NHSNumber(prefix + "0")?.description == prefix + "0")
        for last in 1...9 {
            #expect(NHSNumber(prefix + String(last)) == nil)
        }
    }

    @Test(arguments: [100_000_000, 123_456_789, 555_555_555, 987_654_321, 401_023_213, 999_000_001])
    func everyComputableCheckDigitIsAcceptedAndNoOther(_ start: Int) throws {
        let prefix = String(start)
        let check = nhsCheck(digits(prefix))
        for last in 0...9 {
            let number = NHSNumber(prefix + String(last))
            if last == check {
                #expect(number?.description == prefix + String(last))
            } else {
                #expect(number == nil, "\(prefix)\(last) with check \(check)")
            }
        }
    }

    @Test(arguments: [
        "", "943476591", "94347659199", "94347659l9", "ABCDEFGHIJ", "943-476-5919", "9434765919\n",
        "+9434765919", "943476591.9",
        "９４３４７６５９１９",  // full-width digits
        "٩٤٣٤٧٦٥٩١٩",  // Arabic-Indic digits
    ])
    func malformedTextIsInvalid(_ text: String) {
        #expect(NHSNumber(text) == nil)
    }
}

// MARK: - Unique pupil number

/// The UPN alphabet: no I, O or S.
private let upnLetters = Array("ABCDEFGHJKLMNPQRTUVWXYZ")

/// The check letter for the twelve characters after it, computed independently of
/// `UniquePupilNumber`: weights 2 to 13; a digit's value is itself, a letter's its
/// index in the alphabet; the sum modulo 23 indexes the alphabet.
private func upnCheckLetter(_ body: String) -> Character {
    precondition(body.count == 12)
    let sum = body.enumerated().reduce(0) { total, entry in
        let value = entry.element.isNumber ? Int(String(entry.element))! : upnLetters.firstIndex(of: entry.element)!
        return total + (entry.offset + 2) * value
    }
    return upnLetters[sum % 23]
}

@Suite("UniquePupilNumber")
struct UniquePupilNumberTests {
    @Test func knownValidUPN() throws {
        #expect(upnCheckLetter("801200005001") == "B")
        let upn = try #require(UniquePupilNumber("B801200005001"))
        #expect(upn.description == "B801200005001")
        #expect(!upn.isTemporary)
    }

    @Test(arguments: upnLetters.filter { $0 != "B" } + ["I", "O", "S", "1"])
    func wrongCheckLetterIsInvalid(_ letter: Character) {
        #expect(UniquePupilNumber("\(letter)801200005001") == nil)
    }

    @Test func lowerCaseIsAcceptedAndUpperCased() {
        #expect(UniquePupilNumber("b801200005001")?.description == "B801200005001")
    }

    @Test(arguments: ["801200005001", "000000000000", "999999999999", "123456789012", "938200112233"])
    func computedPermanentUPNsAreValid(_ body: String) throws {
        let text = String(upnCheckLetter(body)) + body
        let upn = try #require(UniquePupilNumber(text), "\(text)")
        #expect(upn.description == text)
        #expect(!upn.isTemporary)
    }

    @Test(arguments: upnLetters)
    func temporaryUPNEndingInALetterIsValid(_ last: Character) throws {
        let body = "80120000500" + String(last)
        let text = String(upnCheckLetter(body)) + body
        let upn = try #require(UniquePupilNumber(text), "\(text)")
        #expect(upn.description == text)
        #expect(upn.isTemporary)
        // Lower case too, normalised.
        #expect(UniquePupilNumber(text.lowercased())?.description == text)
        // Any other check letter is refused.
        for wrong in upnLetters where wrong != text.first {
            #expect(UniquePupilNumber(String(wrong) + body) == nil)
        }
    }

    @Test(arguments: ["I", "O", "S"])
    func temporaryUPNCannotEndInALetterOutsideTheAlphabet(_ last: Character) {
        for first in upnLetters {
            #expect(UniquePupilNumber("\(first)80120000500\(last)") == nil)
        }
    }

    @Test(arguments: ["", "B", "B80120000500", "B8012000050011", "B 801200005001", "B80120000500 1"])
    func wrongLengthIsInvalid(_ text: String) {
        #expect(UniquePupilNumber(text) == nil)
    }

    @Test(arguments: ["8012A0005001", "A01200005001", "80120005A001", "8012000050A1"])
    func lettersBeforeTheLastCharacterAreInvalid(_ body: String) {
        // The check letter is right for these characters, so only the shape refuses them.
        let text = String(upnCheckLetter(body)) + body
        #expect(UniquePupilNumber(text) == nil, "\(text)")
    }

    @Test func nonASCIIIsInvalid() {
        #expect(UniquePupilNumber("B80120000500１") == nil)
        #expect(UniquePupilNumber("Б801200005001") == nil)
    }
}

// MARK: - Postcode

@Suite("Postcode")
struct PostcodeTests {
    @Test(arguments: [
        ("sl12ab", "SL1 2AB"),
        ("SL1 2AB", "SL1 2AB"),
        (" sl1  2ab ", "SL1 2AB"),
        ("SW1A 1AA", "SW1A 1AA"),
        ("sw1a1aa", "SW1A 1AA"),
        ("M1 1AE", "M1 1AE"),
        ("B33 8TH", "B33 8TH"),
        ("CR2 6XH", "CR2 6XH"),
        ("DN55 1PT", "DN55 1PT"),
        ("W1A 0AX", "W1A 0AX"),
        ("EC1A 1BB", "EC1A 1BB"),
        ("GIR 0AA", "GIR 0AA"),
        ("gir0aa", "GIR 0AA"),
    ])
    func validPostcodesAreNormalised(_ text: String, _ expected: String) {
        #expect(Postcode(text)?.description == expected)
    }

    @Test(arguments: [
        "SL1 2CB",  // C is never in the inward code
        "SL1 2AI", "SL1 2KA", "SL1 2MA", "SL1 2OA", "SL1 2VA",
        "123 456", "ABCDEFG", "S", "", "SL1", "SL1 2A", "SL1 2ABC", "SL12 3ABC",
        "SLL1 2AB",  // AAA9 is not an outward shape
        "S11A 2AB",  // nor is A99A
        "1SL 2AB", "SL1 AAB", "SL1 22B",
        "SL1-2AB", "SL1_2AB",
        "ŚL1 2AB",
        "GIR 0AB",  // GIR is only valid as GIR 0AA
    ])
    func invalidPostcodes(_ text: String) {
        #expect(Postcode(text) == nil)
    }
}
