import Foundation
import MashTriage
import Testing

@Suite("Reading the threshold document")
struct ThresholdParserTests {
    static let valid = """
        name: Test continuum
        timezone: Europe/London
        workingHours: {days: [mon, tue, wed, thu, fri], start: "09:00", end: "17:00"}
        holidays: [2026-12-25]
        targets:
          red:   {within: 4h,  clock: wall}
          amber: {within: 24h, clock: working}
          green: {within: 72h, clock: working}
          decision: {within: 1d, clock: working}
        outOfHours: {hub: edt, rag: [red]}
        openCase: {route: allocated}
        rules:
          - id: danger
            when: {immediateDanger: true}
            then: {level: 4, rag: red, hub: child-protection}
          - id: default
            then: {level: 2, rag: green, hub: mash-screening}
        modifiers:
          - id: repeat
            when: {priorReferrals: {within: 365d, atLeast: 1}}
            then: {raiseRag: 1, flag: re-referral}
        """
    static let hubs: Set<String> = ["edt", "child-protection", "mash-screening"]

    func problems(_ yaml: String) -> [ThresholdProblem] {
        switch ThresholdParser.parse(yaml, knownHubs: Self.hubs) {
        case .success: []
        case .failure(let error): error.problems
        }
    }

    @Test func theExampleReads() throws {
        let document = try ThresholdParser.parse(Self.valid, knownHubs: Self.hubs).get()
        #expect(document.name == "Test continuum")
        #expect(document.rules.map(\.id) == ["danger", "default"])
        #expect(document.rules[0].line == 13)
        #expect(document.modifiers.map(\.id) == ["repeat"])
        #expect(document.targets[.red] == Target(within: Span("4h")!, clock: .wall))
        #expect(document.outOfHours?.hub == "edt")
        #expect(document.routeOpenCasesToAllocatedHub)
        #expect(document.calendar.holidays.count == 1)
    }

    @Test func theDefaultDocumentInConfigReads() throws {
        let document = try defaultDocument()
        #expect(document.rules.last?.conditions.isEmpty == true)
        #expect(document.rules.count >= 15)
    }

    @Test func everyProblemIsListedWithItsLine() {
        let yaml = Self.valid
            .replacingOccurrences(of: "hub: child-protection", with: "hub: nowhere")          // line 15
            .replacingOccurrences(of: "{immediateDanger: true}", with: "{immediateDanger: true, colour: blue}")  // line 14
            .replacingOccurrences(of: "within: 72h", with: "within: 72 hours")                 // line 8
            .replacingOccurrences(of: "start: \"09:00\"", with: "start: \"9am\"")               // line 3
        let found = problems(yaml)
        #expect(found.map(\.line) == [3, 8, 14, 15], "\(found)")
        #expect(found[0].message.contains("workingHours.start: '9am' is not a time"))
        #expect(found[1].message.contains("targets.green.within: '72 hours' is not a duration"))
        #expect(found[2].message.contains("'colour' is not a condition"))
        #expect(found[3].message.contains("'nowhere' is not a known hub"))
    }

    @Test func theLastRuleMustMatchEverything() {
        let yaml = Self.valid.replacingOccurrences(of: "  - id: default\n    then:", with: "  - id: default\n    when: {unborn: true}\n    then:")
        let found = problems(yaml)
        #expect(found.count == 1)
        #expect(found.first?.message.contains("the last rule ('default') must have no 'when'") == true)
    }

    @Test func aCatchAllBeforeOtherRulesIsRefused() {
        let yaml = Self.valid.replacingOccurrences(of: "    when: {immediateDanger: true}\n", with: "")
        #expect(problems(yaml).map(\.message) == ["rule 'danger' has no 'when', so the rules after it can never match"])
    }

    @Test(arguments: [
        ("concernAny: [worry]", "'worry' is not one of"),
        ("levelAtMost: 2", "'levelAtMost' may be used only in modifiers"),
        ("ageUnder: {weeks: 3}", "must be {years: N} or {months: N}"),
        ("priorReferrals: {within: 0d, atLeast: 1}", "'0d' is not a duration"),
        ("agencyKind: [police, army]", "'army' is not one of"),
        ("immediateDanger: maybe", "must be true or false"),
    ])
    func badConditionsAreNamed(_ condition: String, _ message: String) {
        let found = problems(Self.valid.replacingOccurrences(of: "{immediateDanger: true}", with: "{\(condition)}"))
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.line == 14)
        #expect(found.first?.message.contains(message) == true, "\(found)")
    }

    @Test func unknownFieldsAndMissingOnesAreNamed() {
        let yaml = Self.valid
            .replacingOccurrences(of: "name: Test continuum\n", with: "")
            .replacingOccurrences(of: "openCase: {route: allocated}", with: "openCase: {route: allocated}\nescalation: fast")
        let messages = problems(yaml).map(\.message)
        #expect(messages.contains { $0.contains("'name' is required") })
        #expect(messages.contains { $0.contains("'escalation' is not a known field") })
    }

    @Test(arguments: ["{", "rules: [", "name: a\nname: b"])
    func unreadableYAMLIsOneProblem(_ yaml: String) {
        let found = problems(yaml)
        #expect(found.count == 1)
        #expect(found.first?.message.hasPrefix("not valid YAML") == true)
    }

    @Test func unreadableYAMLNamesItsLineAndWhatIsWrong() {
        let found = problems("name: a\nrules:\n  - id: x\n    when: {a: 1\n")
        #expect(found.map(\.line) == [5])
        #expect(found.first?.message.hasPrefix("not valid YAML: did not find expected") == true, "\(found)")
    }

    @Test func aDocumentWithoutHubListIsReadWithoutCheckingHubs() throws {
        let yaml = Self.valid.replacingOccurrences(of: "hub: child-protection", with: "hub: anywhere")
        #expect(throws: Never.self) { try ThresholdParser.parse(yaml).get() }
    }
}

@Suite("The embedded default document")
struct DefaultThresholdsTests {
    @Test func theEmbeddedCopyMatchesConfig() throws {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("config/thresholds.yaml")
        let file = try String(contentsOf: url, encoding: .utf8)
        #expect(DefaultThresholds.yaml + "\n" == file, "run scripts/embed-thresholds after changing config/thresholds.yaml")
    }
}
