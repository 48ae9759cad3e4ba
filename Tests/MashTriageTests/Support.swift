import Foundation
import MashDomain
import MashTriage
import Testing

/// The default threshold document of config/, as `mashd --dev` uses it.
func defaultDocument() throws -> ThresholdDocument {
    let url = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("config/thresholds.yaml")
    let hubs: Set<String> = ["mash-screening", "early-help", "child-protection", "children-in-need", "lado", "edt"]
    return try ThresholdParser.parse(try String(contentsOf: url, encoding: .utf8), knownHubs: hubs).get()
}

/// An instant written in RFC 3339.
func instant(_ text: String) -> Date {
    guard let date = RFC3339.parse(text) else { fatalError("bad instant \(text) in a test") }
    return date
}

/// A child for `referral(...)`: born on a date, or unborn and due on one.
enum TestChild: Sendable {
    case born(String)
    case unborn(due: String)

    var json: String {
        switch self {
        case .born(let date): #"{"familyName": "Khan", "dateOfBirth": "\#(date)", "nhsNumber": "9434765919", "postcode": "SL1 2AB"}"#
        case .unborn(let due): #"{"familyName": "Khan", "gender": "unborn", "expectedDueDate": "\#(due)", "postcode": "SL1 2AB"}"#
        }
    }
}

/// A valid referral, read through the validator as intake would read it.
func referral(
    concerns: [String] = ["other"], detail: String = "Enough detail about what happened, when, and how the child is affected.",
    children: [TestChild] = [.born("2015-03-14")], immediateDanger: Bool = false, consent: String? = "given",
    policeRiskGrade: String? = nil, kind: String = "referral", arrival: Date
) throws -> Referral {
    var fields = [
        #""reference": "T-1""#, #""kind": "\#(kind)""#,
        #""referrer": {"name": "PC Smith", "phone": "01632 960123"}"#,
        #""children": [\#(children.map(\.json).joined(separator: ", "))]"#,
        #""concerns": [\#(concerns.map { #"{"category": "\#($0)", "detail": "\#(detail)"}"# }.joined(separator: ", "))]"#,
        #""immediateDanger": \#(immediateDanger)"#, #""familyInformed": "yes""#,
    ]
    if let consent { fields.append(#""consent": "\#(consent)""#) }
    if let policeRiskGrade { fields.append(#""policeRiskGrade": "\#(policeRiskGrade)""#) }
    let body = Array(("{" + fields.joined(separator: ", ") + "}").utf8)
    switch ReferralValidator().validate(body, receivedAt: arrival, agencyKind: .police) {
    case .success(let accepted): return accepted.referral
    case .failure(let rejection): throw TestFailure(description: "the test referral is invalid: \(rejection.problems)")
    }
}

struct TestFailure: Error, CustomStringConvertible { let description: String }
