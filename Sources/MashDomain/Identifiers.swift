/// An NHS number: ten digits, the last a modulus 11 check digit over the first nine
/// (weights 10 down to 2; 11 − (sum mod 11); 11 becomes 0; 10 is never valid).
public struct NHSNumber: Sendable, Hashable, CustomStringConvertible {
    /// The ten digits, without spaces.
    public let description: String

    /// Accepts the digits with or without the usual `3 3 4` spacing.
    public init?(_ text: String) {
        var digits: [UInt8] = []
        for byte in text.utf8 where byte != UInt8(ascii: " ") {
            guard digits.count < 10, isASCIIDigit(byte) else { return nil }
            digits.append(byte)
        }
        guard digits.count == 10 else { return nil }
        let values = digits.map { Int($0 - UInt8(ascii: "0")) }
        let sum = zip(values.prefix(9), stride(from: 10, through: 2, by: -1)).reduce(0) { $0 + $1.0 * $1.1 }
        var check = 11 - sum % 11
        if check == 11 { check = 0 }
        guard check != 10, check == values[9] else { return nil }
        self.description = String(decoding: digits, as: UTF8.self)
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
        // ASCII only, upper-cased, without spaces; at most 7 characters.
        var compact: [UInt8] = []
        for byte in text.utf8 where byte != UInt8(ascii: " ") {
            guard compact.count < 7, byte < 0x80 else { return nil }
            compact.append(byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") ? byte - 0x20 : byte)
        }
        guard compact.count >= 5 else { return nil }
        let outward = compact.dropLast(3)
        let inward = compact.suffix(3)
        guard Self.isInward(inward), Self.isOutward(outward) || compact == Array("GIR0AA".utf8) else { return nil }
        self.description = String(decoding: outward, as: UTF8.self) + " " + String(decoding: inward, as: UTF8.self)
    }

    /// Digit, letter, letter (the inward code never uses C, I, K, M, O or V).
    private static func isInward(_ code: ArraySlice<UInt8>) -> Bool {
        isASCIIDigit(code[code.startIndex]) && code.dropFirst().allSatisfy { isASCIIUpper($0) && !"CIKMOV".utf8.contains($0) }
    }

    /// A9, A99, AA9, AA99, A9A or AA9A.
    private static func isOutward(_ code: ArraySlice<UInt8>) -> Bool {
        let shape = String(decoding: code.map { isASCIIDigit($0) ? UInt8(ascii: "9") : isASCIIUpper($0) ? UInt8(ascii: "A") : UInt8(ascii: "?") }, as: UTF8.self)
        return ["A9", "A99", "AA9", "AA99", "A9A", "AA9A"].contains(shape)
    }
}

func isASCIIDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
func isASCIIUpper(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") }
