import Foundation

/// The bench referral (bench/referral.json as bench/run renders it, holding
/// @REFERENCE@), made anew for each index as bench/intake.lua makes it for wrk: a
/// reference of its own, and NHS numbers and a family name of its own for its two
/// children (siblings), so that each referral is about new children.
///
/// The document is cut once where those go, so a referral only joins pieces.
/// Indexes below 1,000,000 name children of their own for each TAG (to within
/// the tag's seed, one of 40, as intake.lua's); wrk's children are numbered
/// below 900,000,000, these from there on.
struct Referrals: Sendable {
    private let tag: String
    private let tagSeed: Int
    private let pieces: [[UInt8]]

    /// The markers, in the order they appear in the document. A family name is
    /// made longer (the marker is kept); the others are replaced.
    private static let markers: [(text: String, kept: Bool)] = [
        ("@REFERENCE@", false), (#""familyName": "Hughes"#, true), ("9434765919", false),
        (#""familyName": "Hughes"#, true), ("4857773457", false),
    ]

    /// Nil when the document lacks one of the markers (bench/referral.json has changed).
    init?(document: String, tag: String) {
        var pieces: [[UInt8]] = [], rest = Substring(document)
        for marker in Self.markers {
            guard let range = rest.range(of: marker.text) else { return nil }
            pieces.append(Array(rest[..<(marker.kept ? range.upperBound : range.lowerBound)].utf8))
            rest = rest[range.upperBound...]
        }
        pieces.append(Array(rest.utf8))
        self.pieces = pieces
        self.tag = tag
        // Children of their own in every run against the same database.
        tagSeed = tag.utf8.reduce(0) { ($0 * 31 + Int($1)) % 40 }
    }

    /// The reference and request body of referral `index`.
    func referral(_ index: Int) -> (reference: String, body: [UInt8]) {
        let base = 900_000_000 + tagSeed * 2_000_000 + index * 2
        let reference = "\(tag)/\(String(format: "%09d", index))"
        let family = letters(base)
        var body = pieces[0]
        body.reserveCapacity(pieces.reduce(64) { $0 + $1.count })
        for (piece, filling) in zip(pieces.dropFirst(), [reference, family, nhsNumber(base), family, nhsNumber(base + 1)]) {
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
        if check != 10 { return String(format: "%09d%d", number, check) }
        base += 1
    }
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
