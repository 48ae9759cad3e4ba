// triage-bench: how many triage decisions the engine makes per second on one core.
//
//   triage-bench [REPO_DIR] [SECONDS]
//
// The document is config/thresholds.yaml grown to 50 rules (synthetic rules that
// rarely match are put before its catch-all, so most referrals try most rules);
// the referrals are bench/referral.json with its concerns, danger flag and
// children varied, each with 0 to 3 earlier referrals, arriving at times spread
// over a fortnight (in and out of hours). Prints one line starting "TRIAGE ".
import Foundation
import MashDomain
import MashTriage

let arguments = CommandLine.arguments
let repository = URL(fileURLWithPath: arguments.count > 1 ? arguments[1] : FileManager.default.currentDirectoryPath)
let seconds = arguments.count > 2 ? Double(arguments[2]) ?? 3 : 3

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("triage-bench: \(message)\n".utf8))
    exit(1)
}

func read(_ path: String) -> String {
    guard let text = try? String(contentsOf: repository.appendingPathComponent(path), encoding: .utf8) else { fail("cannot read \(path)") }
    return text
}

// The document, grown to 50 rules.
let base = read("config/thresholds.yaml")
let baseRules = base.components(separatedBy: "\n").filter { $0.hasPrefix("  - id: ") }.count
    - base.components(separatedBy: "\nmodifiers:")[1].components(separatedBy: "\n").filter { $0.hasPrefix("  - id: ") }.count
let categories = ConcernCategory.allCases.map(\.rawValue)
let synthetic = (0..<(50 - baseRules)).map { number in
    """
      - id: synthetic-\(number)
        when: {concernAll: [\(categories[number % categories.count]), \(categories[(number + 7) % categories.count])], textAny: [phrase-\(number)], agencyKind: [police, health]}
        then: {level: 3, rag: amber, hub: mash-screening}
    """
}.joined(separator: "\n")
let yaml = base.replacingOccurrences(of: "  - id: default\n", with: synthetic + "\n  - id: default\n")
let document: ThresholdDocument
switch ThresholdParser.parse(yaml) {
case .success(let parsed): document = parsed
case .failure(let error): fail("the grown document is refused:\n\(error)")
}
guard document.rules.count == 50 else { fail("expected 50 rules, built \(document.rules.count)") }

// The referrals.
let template = read("bench/referral.json")
let variants: [(String, String)] = [
    ("", ""), ("\"domestic_abuse\"", "\"neglect\""), ("\"domestic_abuse\"", "\"physical_abuse\""),
    ("\"immediateDanger\": false", "\"immediateDanger\": true"), ("\"domestic_abuse\"", "\"school_attendance\""),
    ("\"domestic_abuse\"", "\"other\""), ("\"2019-08-02\"", "\"2026-08-02\""), ("\"domestic_abuse\"", "\"missing\""),
]
let firstArrival = RFC3339.parse("2026-11-16T00:00:00Z")!
var inputs: [TriageInput] = []
for (index, variant) in variants.enumerated() {
    let text = template.replacingOccurrences(of: "@REFERENCE@", with: "BENCH-\(index)")
        .replacingOccurrences(of: "@SUBMITTED_AT@", with: "2026-11-16T00:00:00Z")
        .replacingOccurrences(of: variant.0.isEmpty ? "\u{0}" : variant.0, with: variant.1)
    let arrival = firstArrival.addingTimeInterval(Double(index) * 151_111)  // spread over a fortnight
    guard case .success(let accepted) = ReferralValidator().validate(Array(text.utf8), receivedAt: arrival, agencyKind: .police) else {
        fail("referral variant \(index) is invalid")
    }
    let priors = (0..<(index % 4)).map { arrival.addingTimeInterval(-Double($0 + 1) * 20 * 86_400) }
    inputs.append(TriageInput(referral: accepted.referral, agencyKind: .police, arrival: arrival, history: ReferralHistory(priorReferrals: priors)))
}

let engine = TriageEngine(document: document)

/// Evaluations per second over `seconds`, after a short warm-up.
@MainActor func measure(explain: Bool) -> Double {
    var checksum = 0
    var count = 0
    let clock = ContinuousClock()
    let warmUpEnd = clock.now + .milliseconds(300)
    while clock.now < warmUpEnd {
        checksum &+= engine.triage(inputs[count % inputs.count], explain: explain).level
        count += 1
    }
    count = 0
    let start = clock.now
    let end = start + .milliseconds(Int(seconds * 1000))
    while clock.now < end {
        for input in inputs {
            checksum &+= engine.triage(input, explain: explain).level
        }
        count += inputs.count
    }
    let elapsed = start.duration(to: clock.now)
    if checksum == 42 { print("") }  // keeps the work observable to the optimiser
    return Double(count) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
}

let decide = measure(explain: false)
let explain = measure(explain: true)
print(String(format: "TRIAGE rules=%d modifiers=%d referrals=%d seconds=%.1f per_second=%.0f microseconds=%.2f explain_per_second=%.0f",
             document.rules.count, document.modifiers.count, inputs.count, seconds, decide, 1e6 / decide, explain))
