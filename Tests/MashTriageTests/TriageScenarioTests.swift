import Foundation
import MashDomain
import MashTriage
import Testing

/// One line of the scenario table: a referral, when it arrived and what was known
/// before, and the triage the default threshold document must give it.
struct Scenario: CustomTestStringConvertible, Sendable {
    let name: String
    let arrival: String
    var concerns: [String] = ["other"]
    var detail: String = "Enough detail about what happened, when, and how the child is affected."
    var children: [TestChild] = [.born("2015-03-14")]
    var immediateDanger = false
    var consent: String? = "given"
    var grade: String? = nil
    var kind = "referral"
    /// Earlier referrals, as days before arrival.
    var priorDaysAgo: [Int] = []
    var openCaseHub: String? = nil
    // Expected:
    let level: Int
    let rag: RAG
    let hub: String
    let deadline: String
    var flags: [String] = []
    var outOfHours = false

    var testDescription: String { name }
}

@Suite("Triage scenarios with the default threshold document")
struct TriageScenarioTests {
    // Working hours Mon–Fri 09:00–17:00 Europe/London. 2026: clocks go forward on
    // Sunday 29 March, back on Sunday 25 October; 25 and 28 December are holidays.
    static let scenarios: [Scenario] = [
        Scenario(name: "an ordinary referral: green, decision within one working day", arrival: "2026-11-23T10:00:00Z",
                 level: 2, rag: .green, hub: "mash-screening", deadline: "2026-11-24T10:00:00Z"),
        Scenario(name: "immediate danger in office hours: red, 4 hours", arrival: "2026-11-23T10:00:00Z", immediateDanger: true,
                 level: 4, rag: .red, hub: "child-protection", deadline: "2026-11-23T14:00:00Z"),
        Scenario(name: "immediate danger on a Saturday goes to EDT", arrival: "2026-11-28T10:00:00Z", immediateDanger: true,
                 level: 4, rag: .red, hub: "edt", deadline: "2026-11-28T14:00:00Z", outOfHours: true),
        Scenario(name: "immediate danger at 17:30 on a weekday goes to EDT", arrival: "2026-11-23T17:30:00Z", immediateDanger: true,
                 level: 4, rag: .red, hub: "edt", deadline: "2026-11-23T21:30:00Z", outOfHours: true),
        Scenario(name: "immediate danger at 16:59 is still in hours", arrival: "2026-11-23T16:59:00Z", immediateDanger: true,
                 level: 4, rag: .red, hub: "child-protection", deadline: "2026-11-23T20:59:00Z"),
        Scenario(name: "immediate danger at 08:59 is out of hours", arrival: "2026-11-24T08:59:00Z", immediateDanger: true,
                 level: 4, rag: .red, hub: "edt", deadline: "2026-11-24T12:59:00Z", outOfHours: true),
        Scenario(name: "allegation against a professional goes to the LADO", arrival: "2026-11-23T10:00:00Z", concerns: ["allegation_against_professional"],
                 level: 3, rag: .amber, hub: "lado", deadline: "2026-11-24T10:00:00Z"),
        Scenario(name: "Friday 16:59: the decision is due on Monday at 16:59", arrival: "2026-11-27T16:59:00Z",
                 level: 2, rag: .green, hub: "mash-screening", deadline: "2026-11-30T16:59:00Z"),
        Scenario(name: "Christmas Eve 16:00: Christmas and the substitute Boxing Day are skipped", arrival: "2026-12-24T16:00:00Z",
                 level: 2, rag: .green, hub: "mash-screening", deadline: "2026-12-29T16:00:00Z"),
        Scenario(name: "arriving on a bank holiday counts from the next working day", arrival: "2026-12-25T11:00:00Z",
                 level: 2, rag: .green, hub: "mash-screening", deadline: "2026-12-29T17:00:00Z", outOfHours: true),
        Scenario(name: "spring clock change: Friday 16:00 GMT, due Monday 16:00 BST", arrival: "2026-03-27T16:00:00Z",
                 level: 2, rag: .green, hub: "mash-screening", deadline: "2026-03-30T15:00:00Z"),
        Scenario(name: "autumn clock change: Friday 16:00 BST, due Monday 16:00 GMT", arrival: "2026-10-23T16:00:00+01:00",
                 level: 2, rag: .green, hub: "mash-screening", deadline: "2026-10-26T16:00:00Z"),
        Scenario(name: "red across the spring clock change runs four real hours", arrival: "2026-03-28T23:30:00Z", immediateDanger: true,
                 level: 4, rag: .red, hub: "edt", deadline: "2026-03-29T03:30:00Z", outOfHours: true),
        Scenario(name: "red across the autumn clock change runs four real hours", arrival: "2026-10-25T00:30:00+01:00", immediateDanger: true,
                 level: 4, rag: .red, hub: "edt", deadline: "2026-10-25T03:30:00Z", outOfHours: true),
        Scenario(name: "the first Monday of summer time opens at 08:00 UTC", arrival: "2026-03-30T08:00:00Z",
                 level: 2, rag: .green, hub: "mash-screening", deadline: "2026-03-30T16:00:00Z"),
        Scenario(name: "07:30 UTC on that Monday is 08:30 BST: before opening", arrival: "2026-03-30T07:30:00Z", immediateDanger: true,
                 level: 4, rag: .red, hub: "edt", deadline: "2026-03-30T11:30:00Z", outOfHours: true),
        Scenario(name: "arriving on Sunday counts from Monday's opening", arrival: "2026-11-22T12:00:00Z",
                 level: 2, rag: .green, hub: "mash-screening", deadline: "2026-11-23T17:00:00Z", outOfHours: true),
        Scenario(name: "arriving at 09:00 on Monday is due at that day's close", arrival: "2026-11-23T09:00:00Z",
                 level: 2, rag: .green, hub: "mash-screening", deadline: "2026-11-23T17:00:00Z"),
        Scenario(name: "a baby under one with a physical injury", arrival: "2026-11-23T10:00:00Z", concerns: ["physical_abuse"], children: [.born("2026-06-01")],
                 level: 4, rag: .red, hub: "child-protection", deadline: "2026-11-23T14:00:00Z"),
        Scenario(name: "a 13-year-old with a physical injury", arrival: "2026-11-23T10:00:00Z", concerns: ["physical_abuse"], children: [.born("2013-05-01")],
                 level: 3, rag: .amber, hub: "mash-screening", deadline: "2026-11-24T10:00:00Z"),
        Scenario(name: "siblings: the youngest decides the age rule", arrival: "2026-11-23T10:00:00Z", concerns: ["physical_abuse"],
                 children: [.born("2016-01-01"), .born("2026-03-01")],
                 level: 4, rag: .red, hub: "child-protection", deadline: "2026-11-23T14:00:00Z"),
        Scenario(name: "siblings just past their first birthdays are not under one", arrival: "2026-11-23T10:00:00Z", concerns: ["physical_abuse"],
                 children: [.born("2016-01-01"), .born("2025-11-23")],
                 level: 3, rag: .amber, hub: "mash-screening", deadline: "2026-11-24T10:00:00Z"),
        Scenario(name: "an unborn child and domestic abuse", arrival: "2026-11-23T10:00:00Z", concerns: ["domestic_abuse"], children: [.unborn(due: "2027-02-01")],
                 level: 3, rag: .amber, hub: "children-in-need", deadline: "2026-11-24T10:00:00Z"),
        Scenario(name: "an unborn child counts as under one", arrival: "2026-11-23T10:00:00Z", concerns: ["physical_abuse"], children: [.unborn(due: "2027-02-01")],
                 level: 4, rag: .red, hub: "child-protection", deadline: "2026-11-23T14:00:00Z"),
        Scenario(name: "an unborn child with an older sibling, concern about the parent", arrival: "2026-11-23T10:00:00Z", concerns: ["substance_misuse_parent"],
                 children: [.born("2020-02-02"), .unborn(due: "2027-03-01")],
                 level: 3, rag: .amber, hub: "children-in-need", deadline: "2026-11-24T10:00:00Z"),
        Scenario(name: "a re-referral within 12 months is raised one step", arrival: "2026-11-23T10:00:00Z", priorDaysAgo: [100],
                 level: 2, rag: .amber, hub: "mash-screening", deadline: "2026-11-24T10:00:00Z", flags: ["re-referral"]),
        Scenario(name: "an earlier referral over 12 months ago is not a re-referral", arrival: "2026-11-23T10:00:00Z", priorDaysAgo: [400],
                 level: 2, rag: .green, hub: "mash-screening", deadline: "2026-11-24T10:00:00Z"),
        Scenario(name: "escalating concern: the third referral in 90 days", arrival: "2026-11-23T10:00:00Z", priorDaysAgo: [10, 40],
                 level: 3, rag: .red, hub: "mash-screening", deadline: "2026-11-23T14:00:00Z", flags: ["re-referral", "escalating-concern"]),
        Scenario(name: "escalating concern at the weekend goes to EDT", arrival: "2026-11-28T10:00:00Z", priorDaysAgo: [10, 40],
                 level: 3, rag: .red, hub: "edt", deadline: "2026-11-28T14:00:00Z", flags: ["re-referral", "escalating-concern"], outOfHours: true),
        Scenario(name: "two earlier referrals, only one within 90 days", arrival: "2026-11-23T10:00:00Z", priorDaysAgo: [10, 200],
                 level: 2, rag: .amber, hub: "mash-screening", deadline: "2026-11-24T10:00:00Z", flags: ["re-referral"]),
        Scenario(name: "consent refused at level 2 needs consent", arrival: "2026-11-23T10:00:00Z", consent: "refused",
                 level: 2, rag: .green, hub: "mash-screening", deadline: "2026-11-24T10:00:00Z", flags: ["consent-needed"]),
        Scenario(name: "consent not recorded at level 2 needs consent", arrival: "2026-11-23T10:00:00Z", consent: nil,
                 level: 2, rag: .green, hub: "mash-screening", deadline: "2026-11-24T10:00:00Z", flags: ["consent-needed"]),
        Scenario(name: "consent not required raises no flag", arrival: "2026-11-23T10:00:00Z", consent: "not_required",
                 level: 2, rag: .green, hub: "mash-screening", deadline: "2026-11-24T10:00:00Z"),
        Scenario(name: "at level 3 consent is not needed to share", arrival: "2026-11-23T10:00:00Z", concerns: ["neglect"], consent: "refused",
                 level: 3, rag: .green, hub: "mash-screening", deadline: "2026-11-24T10:00:00Z"),
        Scenario(name: "an open case goes to the hub holding it", arrival: "2026-11-23T10:00:00Z", openCaseHub: "children-in-need",
                 level: 2, rag: .green, hub: "children-in-need", deadline: "2026-11-24T10:00:00Z"),
        Scenario(name: "an open case in immediate danger, in hours, goes to its hub", arrival: "2026-11-23T10:00:00Z", immediateDanger: true, openCaseHub: "children-in-need",
                 level: 4, rag: .red, hub: "children-in-need", deadline: "2026-11-23T14:00:00Z"),
        Scenario(name: "an open case in immediate danger out of hours goes to EDT", arrival: "2026-11-23T22:00:00Z", immediateDanger: true, openCaseHub: "children-in-need",
                 level: 4, rag: .red, hub: "edt", deadline: "2026-11-24T02:00:00Z", outOfHours: true),
        Scenario(name: "domestic abuse graded high by the police", arrival: "2026-11-23T10:00:00Z", concerns: ["domestic_abuse"], grade: "high",
                 level: 4, rag: .red, hub: "child-protection", deadline: "2026-11-23T14:00:00Z"),
        Scenario(name: "domestic abuse graded standard", arrival: "2026-11-23T10:00:00Z", concerns: ["domestic_abuse"], grade: "standard",
                 level: 3, rag: .green, hub: "mash-screening", deadline: "2026-11-24T10:00:00Z"),
        Scenario(name: "a knife in the detail raises urgency", arrival: "2026-11-23T10:00:00Z", concerns: ["domestic_abuse"],
                 detail: "Her partner threatened her with a Knife in front of the children last night.",
                 level: 3, rag: .amber, hub: "mash-screening", deadline: "2026-11-24T10:00:00Z", flags: ["weapon-or-strangulation"]),
        Scenario(name: "a word inside another word does not count", arrival: "2026-11-23T10:00:00Z", concerns: ["domestic_abuse"],
                 detail: "He collects pocketknives; no threat was made to anyone in the household.",
                 level: 3, rag: .green, hub: "mash-screening", deadline: "2026-11-24T10:00:00Z"),
        Scenario(name: "sexual abuse", arrival: "2026-11-23T10:00:00Z", concerns: ["sexual_abuse"],
                 level: 4, rag: .red, hub: "child-protection", deadline: "2026-11-23T14:00:00Z"),
        Scenario(name: "FGM", arrival: "2026-11-23T10:00:00Z", concerns: ["fgm"],
                 level: 4, rag: .red, hub: "child-protection", deadline: "2026-11-23T14:00:00Z"),
        Scenario(name: "a notification", arrival: "2026-11-23T10:00:00Z", kind: "notification",
                 level: 2, rag: .green, hub: "mash-screening", deadline: "2026-11-24T10:00:00Z"),
        Scenario(name: "school attendance is early help; refused consent is flagged", arrival: "2026-11-23T10:00:00Z", concerns: ["school_attendance"], consent: "refused",
                 level: 2, rag: .green, hub: "early-help", deadline: "2026-11-24T10:00:00Z", flags: ["consent-needed"]),
        Scenario(name: "several concerns: the first matching rule wins", arrival: "2026-11-23T10:00:00Z", concerns: ["neglect", "allegation_against_professional"],
                 level: 3, rag: .amber, hub: "lado", deadline: "2026-11-24T10:00:00Z"),
        Scenario(name: "a missing child", arrival: "2026-11-23T10:00:00Z", concerns: ["missing"], children: [.born("2010-01-01")],
                 level: 3, rag: .amber, hub: "mash-screening", deadline: "2026-11-24T10:00:00Z"),
        Scenario(name: "Friday 16:59 re-referral: amber, but the decision is still Monday 16:59", arrival: "2026-11-27T16:59:00Z", priorDaysAgo: [30],
                 level: 2, rag: .amber, hub: "mash-screening", deadline: "2026-11-30T16:59:00Z", flags: ["re-referral"]),
    ]

    @Test(arguments: scenarios)
    func scenario(_ scenario: Scenario) throws {
        let engine = TriageEngine(document: try defaultDocument())
        let arrival = instant(scenario.arrival)
        let referral = try referral(
            concerns: scenario.concerns, detail: scenario.detail, children: scenario.children, immediateDanger: scenario.immediateDanger,
            consent: scenario.consent, policeRiskGrade: scenario.grade, kind: scenario.kind, arrival: arrival
        )
        let history = ReferralHistory(
            priorReferrals: scenario.priorDaysAgo.map { arrival.addingTimeInterval(-Double($0) * 86_400) },
            openCaseHub: scenario.openCaseHub
        )
        let decision = engine.triage(TriageInput(referral: referral, agencyKind: .police, arrival: arrival, history: history))
        #expect(decision.level == scenario.level)
        #expect(decision.rag == scenario.rag)
        #expect(decision.hub == scenario.hub)
        #expect(RFC3339.format(decision.deadline) == RFC3339.format(instant(scenario.deadline)))
        #expect(decision.flags == scenario.flags)
        #expect(decision.outOfHours == scenario.outOfHours)
        #expect(decision.trace.contains { $0.kind == .rule && $0.id == decision.rule && $0.matched })
    }

    @Test func anExplanationShowsEveryRuleTriedAndWhy() throws {
        let engine = TriageEngine(document: try defaultDocument())
        let arrival = instant("2026-11-23T10:00:00Z")
        let input = TriageInput(referral: try referral(concerns: ["physical_abuse"], children: [.born("2013-05-01")], arrival: arrival), agencyKind: .police, arrival: arrival)
        let explained = engine.triage(input, explain: true)
        let rules = explained.trace.filter { $0.kind == .rule }
        #expect(rules.map(\.id) == ["immediate-danger", "allegation-against-professional", "sexual-abuse-or-exploitation",
                                    "fgm-forced-marriage-honour", "baby-with-injury", "fabricated-illness", "high-risk-domestic-abuse", "physical-abuse"])
        #expect(rules.last?.matched == true && rules.dropLast().allSatisfy { !$0.matched })
        let baby = try #require(rules.first { $0.id == "baby-with-injury" })
        #expect(baby.reasons == ["no: the youngest child is 13 years old", "yes: concerns include physical_abuse"])
        #expect(explained.trace.filter { $0.kind == .modifier }.count == 4, "every modifier is tried and shown")
        // Without explaining, the same decision, and only the steps that made it.
        let quick = engine.triage(input)
        #expect(quick.level == explained.level && quick.rag == explained.rag && quick.hub == explained.hub && quick.deadline == explained.deadline)
        #expect(quick.trace.map(\.id) == ["physical-abuse"])
    }

    @Test func thereAreAtLeastFortyScenarios() {
        #expect(Self.scenarios.count >= 40)
        #expect(Set(Self.scenarios.map(\.name)).count == Self.scenarios.count, "scenario names are unique")
    }
}
