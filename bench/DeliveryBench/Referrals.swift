import Foundation

/// The bench referral (bench/referral.json as bench/run renders it, holding
/// @REFERENCE@), made anew for each index as bench/intake.lua makes it for wrk: a
/// reference of its own, and NHS numbers and a family name of its own for its two
/// children (siblings), so that each referral is about new children.
///
/// The document is cut once where those go, so a referral only joins pieces.
/// Each run takes a block of NHS numbers of its own from bench/run (one of 50,
/// shared with intake.lua's runs), and indexes below 5,000,000 name children of
/// their own within it: four numbers each, one for each child and room for
/// either to move on when its number has no valid check digit.
struct Referrals: Sendable {
    private let tag: String
    private let block: Int
    private let pieces: [[UInt8]]

    /// The markers, in the order they appear in the document. A family name is
    /// made longer (the marker is kept); the others are replaced.
    private static let markers: [(text: String, kept: Bool)] = [
        ("@REFERENCE@", false), (#""familyName": "Hughes"#, true), ("9434765919", false),
        (#""familyName": "Hughes"#, true), ("4857773457", false),
    ]

    /// Nil when the document lacks one of the markers (bench/referral.json has changed).
    init?(document: String, tag: String, block: Int) {
        var pieces: [[UInt8]] = [], rest = Substring(document)
        for marker in Self.markers {
            guard let range = rest.range(of: marker.text) else { return nil }
            pieces.append(Array(rest[..<(marker.kept ? range.upperBound : range.lowerBound)].utf8))
            rest = rest[range.upperBound...]
        }
        pieces.append(Array(rest.utf8))
        self.pieces = pieces
        self.tag = tag
        self.block = block
    }

    /// The reference and request body of referral `index`.
    func referral(_ index: Int) -> (reference: String, body: [UInt8]) {
        let base = block * 20_000_000 + index * 4
        let reference = "\(tag)/\(zeroPadded(index, 9))"
        let family = letters(base)
        var body = pieces[0]
        body.reserveCapacity(pieces.reduce(64) { $0 + $1.count })
        for (piece, filling) in zip(pieces.dropFirst(), [reference, family, nhsNumber(base), family, nhsNumber(base + 2)]) {
            body += filling.utf8
            body += piece
        }
        return (reference, body)
    }
}

/// A valid NHS number near `base` (modulus 11), as bench/intake.lua makes them.
func nhsNumber(_ base: Int) -> String {
    var base = base
    while true {
        let number = base % 1_000_000_000
        var sum = 0, rest = number
        for weight in 2...10 {
            sum += (rest % 10) * weight
            rest /= 10
        }
        let check = (11 - sum % 11) % 11
        if check != 10 { return zeroPadded(number, 9) + String(check) }
        base += 1
    }
}

/// `n`'s digits, with zeros in front up to `width` (String(format:) costs the
/// generator several times more, on every referral).
func zeroPadded(_ n: Int, _ width: Int) -> String {
    let digits = String(n)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}

/// Six lower-case letters spelling `n` in base 26.
func letters(_ n: Int) -> String {
    var n = n, out = ""
    for _ in 0..<6 {
        out.append(Character(UnicodeScalar(UInt8(97 + n % 26))))
        n /= 26
    }
    return out
}
