/// An NHS number: ten digits, the last a modulus 11 check digit over the first nine
/// (weights 10 down to 2; 11 − (sum mod 11); 11 becomes 0; 10 is never valid).
public struct NHSNumber: Sendable, Hashable, CustomStringConvertible {
    /// The ten digits, without spaces.
    public let description: String

    /// Accepts the digits with or without the usual `3 3 4` spacing.
    public init?(_ text: String) {
        let digits = text.filter { $0 != " " }
        guard digits.count == 10, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let values = digits.map { Int($0.asciiValue! - UInt8(ascii: "0")) }
        let sum = zip(values.prefix(9), stride(from: 10, through: 2, by: -1)).reduce(0) { $0 + $1.0 * $1.1 }
        var check = 11 - sum % 11
        if check == 11 { check = 0 }
        guard check != 10, check == values[9] else { return nil }
        self.description = digits
    }
}

/// A unique pupil number (schools): a check letter, then twelve characters that
/// are digits, except that a temporary UPN ends in a letter.
public struct UniquePupilNumber: Sendable, Hashable, CustomStringConvertible {
    public let description: String
    /// True for a temporary UPN (one ending in a letter).
    public var isTemporary: Bool { description.last?.isLetter ?? false }

    /// The letters a UPN uses (no I, O or S); a letter's value is its position.
    private static let letters = Array("ABCDEFGHJKLMNPQRTUVWXYZ")

    public init?(_ text: String) {
        let upn = Array(text.uppercased())
        guard upn.count == 13, upn.allSatisfy(\.isASCII),
              upn[1...11].allSatisfy(\.isNumber),
              upn[12].isNumber || Self.letters.contains(upn[12])
        else { return nil }
        // Characters 2 to 13 weighted 2 to 13; the sum modulo 23 names the check letter.
        let sum = upn[1...].enumerated().reduce(0) { total, entry in
            let value = entry.element.isNumber ? Int(entry.element.asciiValue! - UInt8(ascii: "0"))
                                               : Self.letters.firstIndex(of: entry.element)!
            return total + (entry.offset + 2) * value
        }
        guard upn[0] == Self.letters[sum % 23] else { return nil }
        self.description = String(upn)
    }
}

/// A UK postcode, normalised to upper case with one space before the inward code
/// (`sl12ab` becomes `SL1 2AB`).
public struct Postcode: Sendable, Hashable, CustomStringConvertible {
    public let description: String

    public init?(_ text: String) {
        let compact = Array(text.uppercased().filter { $0 != " " })
        guard compact.count >= 5, compact.count <= 7, compact.allSatisfy(\.isASCII) else { return nil }
        let outward = compact.dropLast(3)
        let inward = compact.suffix(3)
        guard Self.isInward(inward), Self.isOutward(Array(outward)) || String(compact) == "GIR0AA" else { return nil }
        self.description = String(outward) + " " + String(inward)
    }

    /// Digit, letter, letter (the inward code never uses C, I, K, M, O or V).
    private static func isInward(_ code: ArraySlice<Character>) -> Bool {
        let characters = Array(code)
        return characters[0].isNumber && characters[1...].allSatisfy { $0.isLetter && !"CIKMOV".contains($0) }
    }

    /// A9, A99, AA9, AA99, A9A or AA9A.
    private static func isOutward(_ code: [Character]) -> Bool {
        let shape = String(code.map { $0.isNumber ? "9" : ($0.isLetter ? "A" : "?") })
        return ["A9", "A99", "AA9", "AA99", "A9A", "AA9A"].contains(shape)
    }
}
