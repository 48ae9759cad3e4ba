import Foundation
import MashDomain
import MashTriage
import Testing

@Suite("Working time")
struct WorkingCalendarTests {
    let calendar = try! defaultDocument().calendar

    @Test(arguments: [
        ("2026-11-23T09:00:00Z", true), ("2026-11-23T17:00:00Z", true), ("2026-11-23T17:00:01Z", false),
        ("2026-11-23T08:59:59Z", false), ("2026-11-28T12:00:00Z", false), ("2026-12-25T12:00:00Z", false),
        // Summer time: office hours are 08:00 to 16:00 UTC.
        ("2026-07-01T08:00:00Z", true), ("2026-07-01T16:30:00Z", false), ("2026-07-01T07:59:00Z", false),
    ])
    func officeHoursFollowTheLocalClock(_ text: String, _ working: Bool) {
        #expect(calendar.isWorkingTime(instant(text)) == working)
    }

    @Test func aWorkingDayIsEightHoursOfOfficeTime() {
        #expect(calendar.workingDaySeconds == 8 * 3_600)
        #expect(Span("1d")!.workingSeconds(in: calendar) == 8 * 3_600)
        #expect(Span("1d")!.wallSeconds == 86_400)
    }

    @Test(arguments: [
        // 72 working hours from Monday 10:00: nine working days later, Thursday 10:00 of the next week but one.
        ("2026-11-23T10:00:00Z", 72 * 3_600, "2026-12-04T10:00:00Z"),
        // 24 working hours from Wednesday 16:00 across a weekend.
        ("2026-11-25T16:00:00Z", 24 * 3_600, "2026-11-30T16:00:00Z"),
        // Using up a day exactly ends at its close, not the next opening.
        ("2026-11-23T09:00:00Z", 8 * 3_600, "2026-11-23T17:00:00Z"),
        // Across the autumn change, 09:00 BST is 08:00 UTC, 09:00 GMT is 09:00 UTC.
        ("2026-10-23T08:00:00Z", 16 * 3_600, "2026-10-26T17:00:00Z"),
    ])
    func workingTimeIsAdded(_ start: String, _ seconds: Int, _ expected: String) {
        #expect(RFC3339.format(calendar.adding(workingSeconds: seconds, to: instant(start))) == RFC3339.format(instant(expected)))
    }

    @Test func weekdaysAreRight() {
        #expect(CalendarDate(year: 2026, month: 11, day: 23).weekdayIndex == 0)  // a Monday
        #expect(CalendarDate(year: 2026, month: 3, day: 29).weekdayIndex == 6)   // a Sunday
        #expect(CalendarDate(year: 2000, month: 2, day: 29).weekdayIndex == 1)   // a Tuesday
        #expect(CalendarDate(year: 2026, month: 12, day: 31).adding(days: 1) == CalendarDate(year: 2027, month: 1, day: 1))
    }
}

/// Properties that must hold whatever arrives when: checked over many arrivals
/// spread across 2026 and 2027 (a fixed seed, so a failure can be replayed).
@Suite("Triage properties")
struct TriagePropertyTests {
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let concerns = ["other", "neglect", "physical_abuse", "domestic_abuse", "school_attendance", "allegation_against_professional", "missing", "sexual_abuse"]

    @Test func deadlinesAreNeverBeforeArrivalAndWorkingOnesFallInOfficeHours() throws {
        let document = try defaultDocument()
        let engine = TriageEngine(document: document)
        var random = SeededGenerator(state: 20_261_123)
        let start = instant("2026-01-01T00:00:00Z").timeIntervalSince1970
        for _ in 0..<1_500 {
            let arrival = Date(timeIntervalSince1970: start + Double.random(in: 0..<(2 * 365 * 86_400), using: &random).rounded())
            let referral = try referral(concerns: [Self.concerns.randomElement(using: &random)!], immediateDanger: Bool.random(using: &random), arrival: arrival)
            let priors = (0..<Int.random(in: 0...3, using: &random)).map { _ in arrival.addingTimeInterval(-Double.random(in: 1...400, using: &random) * 86_400) }
            let decision = engine.triage(TriageInput(referral: referral, agencyKind: .police, arrival: arrival, history: ReferralHistory(priorReferrals: priors)))
            #expect(decision.deadline > arrival)
            if decision.rag != .red {
                // Amber and green deadlines, and the decision deadline, run in working time.
                #expect(document.calendar.isWorkingTime(decision.deadline), "\(RFC3339.format(arrival)) → \(RFC3339.format(decision.deadline))")
            }
            #expect(decision.deadline <= document.decisionTarget.deadline(after: arrival, in: document.calendar))
        }
    }

    @Test func historyOnlyEverRaisesUrgency() throws {
        let engine = TriageEngine(document: try defaultDocument())
        var random = SeededGenerator(state: 42)
        for _ in 0..<500 {
            let arrival = instant("2026-11-23T10:00:00Z").addingTimeInterval(Double.random(in: 0..<(30 * 86_400), using: &random))
            let referral = try referral(concerns: [Self.concerns.randomElement(using: &random)!], arrival: arrival)
            let without = engine.triage(TriageInput(referral: referral, agencyKind: .police, arrival: arrival))
            let priors = (0..<Int.random(in: 1...4, using: &random)).map { _ in arrival.addingTimeInterval(-Double.random(in: 1...200, using: &random) * 86_400) }
            let with = engine.triage(TriageInput(referral: referral, agencyKind: .police, arrival: arrival, history: ReferralHistory(priorReferrals: priors)))
            #expect(with.level >= without.level)
            #expect(with.rag >= without.rag)
            #expect(with.deadline <= without.deadline)
        }
    }

    /// Any referral, then any update taken in at a later time: the standing triage
    /// is raised or left alone, never lowered, and its deadline never moves later.
    @Test func anUpdateNeverLowersAReferral() throws {
        let engine = TriageEngine(document: try defaultDocument())
        var random = SeededGenerator(state: 7)
        var raisedCount = 0
        for _ in 0..<500 {
            let arrival = instant("2026-11-23T10:00:00Z").addingTimeInterval(Double.random(in: 0..<(60 * 86_400), using: &random))
            let original = try referral(concerns: [Self.concerns.randomElement(using: &random)!], immediateDanger: Bool.random(using: &random), arrival: arrival)
            let first = engine.triage(TriageInput(referral: original, agencyKind: .police, arrival: arrival))
            let standing = StandingTriage(
                level: first.level, rag: first.rag, hub: first.hub, deadline: first.deadline, flags: first.flags,
                rule: first.rule, modifiers: first.modifiers, thresholdVersion: 1
            )
            let update = ReferralUpdate(
                reference: "U", concerns: [Concern(category: ConcernCategory(rawValue: Self.concerns.randomElement(using: &random)!)!, detail: nil)],
                immediateDanger: [nil, false, true].randomElement(using: &random)!, detail: ["He has left.", "She was choked last night."].randomElement(using: &random)!
            )
            let later = arrival.addingTimeInterval(Double.random(in: 60...(5 * 86_400), using: &random))
            let again = engine.triage(TriageInput(referral: original.updated(with: [update]), agencyKind: .police, arrival: later))
            guard let raised = standing.raised(by: again, thresholdVersion: 2) else {
                #expect(again.level <= standing.level && again.rag <= standing.rag, "nothing raised means nothing higher")
                continue
            }
            raisedCount += 1
            #expect(raised.level >= standing.level && raised.rag >= standing.rag)
            #expect(raised.level > standing.level || raised.rag > standing.rag)
            #expect(raised.deadline <= standing.deadline)
            #expect(Set(standing.flags).isSubset(of: Set(raised.flags)))
            #expect(raised.hub == again.hub && raised.rule == again.rule && raised.thresholdVersion == 2)
        }
        #expect(raisedCount > 50, "the generated updates should raise a fair share of referrals (\(raisedCount))")
    }

    @Test func anUpdateIsTakenInWithItsConcernsDangerAndDetail() throws {
        let engine = TriageEngine(document: try defaultDocument())
        let arrival = instant("2026-11-24T10:00:00Z")
        let original = try referral(concerns: ["neglect"], arrival: arrival)
        let updated = original.updated(with: [
            ReferralUpdate(reference: "U-1", concerns: [], immediateDanger: true, detail: "He came back."),
            ReferralUpdate(reference: "U-2", concerns: [Concern(category: .other, detail: nil)], immediateDanger: false, detail: "She says he strangled her."),
        ])
        #expect(updated.immediateDanger, "a later update saying false does not take danger back")
        #expect(updated.concerns.map(\.category) == [.neglect, .other])
        let decision = engine.triage(TriageInput(referral: updated, agencyKind: .police, arrival: arrival))
        #expect(decision.rule == "immediate-danger")
        #expect(decision.flags.contains("weapon-or-strangulation"), "an update's detail is read like a concern's")
    }
}
