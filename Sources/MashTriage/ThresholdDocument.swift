import Foundation
import MashDomain

/// The local continuum of need (CONTRACT §4): how a referral is given a level of
/// need, an urgency, a hub and a deadline. Read from YAML by `ThresholdParser`.
public struct ThresholdDocument: Sendable {
    public var name: String
    public var calendar: WorkingCalendar
    public var levels: [Int: String]
    public var targets: [RAG: Target]
    /// The statutory deadline for the screening decision; the earlier one wins.
    public var decisionTarget: Target
    public var outOfHours: OutOfHours?
    /// Whether a child with an open case goes to the hub already holding it.
    public var routeOpenCasesToAllocatedHub: Bool
    /// The first that matches sets level, RAG and hub; the last has no conditions.
    public var rules: [Rule]
    /// Every one that matches applies, in order, after the rule.
    public var modifiers: [Rule]

    /// Every hub the document can route a referral to.
    public var hubs: Set<String> {
        Set((rules + modifiers).compactMap(\.actions.hub) + [outOfHours?.hub].compactMap { $0 })
    }

    /// Where red (or whichever RAGs are listed) referrals go outside working hours.
    public struct OutOfHours: Sendable {
        public var hub: String
        public var rags: Set<RAG>
    }
}

/// The urgency of screening: red, amber or green.
public enum RAG: String, Sendable, CaseIterable, Comparable, Hashable {
    case green, amber, red

    var rank: Int { RAG.allCases.firstIndex(of: self)! }

    public static func < (lhs: RAG, rhs: RAG) -> Bool { lhs.rank < rhs.rank }

    /// `steps` more urgent, never beyond red.
    func raised(by steps: Int) -> RAG { RAG.allCases[min(rank + max(steps, 0), RAG.allCases.count - 1)] }
}

/// A deadline: so long after arrival, on the wall clock or in working time.
public struct Target: Sendable, Equatable {
    public enum Clock: String, Sendable, CaseIterable { case wall, working }
    public var within: Span
    public var clock: Clock

    public init(within: Span, clock: Clock) {
        self.within = within
        self.clock = clock
    }

    /// The deadline for a referral that arrived at `arrival`.
    public func deadline(after arrival: Date, in calendar: WorkingCalendar) -> Date {
        switch clock {
        case .wall: arrival.addingTimeInterval(TimeInterval(within.wallSeconds))
        case .working: calendar.adding(workingSeconds: within.workingSeconds(in: calendar), to: arrival)
        }
    }
}

/// A length of time as the document writes it: `30m`, `4h`, `1d`, `365d`.
public struct Span: Sendable, Equatable, CustomStringConvertible {
    public enum Unit: String, Sendable { case m, h, d }
    public let amount: Int
    public let unit: Unit

    public init?(_ text: String) {
        guard let last = text.last, let unit = Unit(rawValue: String(last)),
              let amount = Int(text.dropLast()), amount > 0, amount <= 100_000, text.first != "+"
        else { return nil }
        self.amount = amount
        self.unit = unit
    }

    public var description: String { "\(amount)\(unit.rawValue)" }

    /// On the wall clock a day is 24 hours.
    public var wallSeconds: Int {
        switch unit {
        case .m: amount * 60
        case .h: amount * 3_600
        case .d: amount * 86_400
        }
    }

    /// In working time a day is one working day of office hours.
    public func workingSeconds(in calendar: WorkingCalendar) -> Int {
        unit == .d ? amount * calendar.workingDaySeconds : wallSeconds
    }
}

/// One rule or modifier: conditions that must all hold, and what follows.
/// A class, so that trying fifty of them per referral does not copy fifty.
public final class Rule: Sendable {
    public let id: String
    /// Where it starts in the document, for explanations.
    public let line: Int
    public let conditions: [Condition]
    public let actions: Actions

    init(id: String, line: Int, conditions: [Condition], actions: Actions) {
        self.id = id
        self.line = line
        self.conditions = conditions
        self.actions = actions
    }
}

/// What a matching rule or modifier does.
public struct Actions: Sendable, Equatable {
    public var level: Int?
    public var rag: RAG?
    public var hub: String?
    public var raiseLevel: Int?
    public var raiseRag: Int?
    public var flag: String?
}

/// An age bound on the youngest child.
public struct AgeBound: Sendable, Equatable, CustomStringConvertible {
    public let months: Int
    public let text: String
    public var description: String { text }
}

/// A condition of CONTRACT §4.
public enum Condition: Sendable {
    case immediateDanger(Bool)
    case concernAny(Set<ConcernCategory>)
    case concernAll(Set<ConcernCategory>)
    case agencyKind(Set<AgencyKind>)
    case kind(Set<Referral.Kind>)
    case policeRiskGrade(Set<Referral.PoliceRiskGrade>)
    case ageUnder(AgeBound)
    case ageAtLeast(AgeBound)
    case unborn(Bool)
    case priorReferrals(within: Span, atLeast: Int)
    case openCase(Bool)
    case outOfHours(Bool)
    case consentNot(Set<Referral.Consent>)
    case levelAtLeast(Int)
    case levelAtMost(Int)
    case textAny([String])

    /// The names a document may use, and whether only modifiers may.
    static let names: [String: Bool] = [
        "immediateDanger": false, "concernAny": false, "concernAll": false, "agencyKind": false, "kind": false,
        "policeRiskGrade": false, "ageUnder": false, "ageAtLeast": false, "unborn": false, "priorReferrals": false,
        "openCase": false, "outOfHours": false, "consentNot": false, "textAny": false,
        "levelAtLeast": true, "levelAtMost": true,
    ]
}
