import Foundation
import MashDomain

/// What is known about the children of a referral from earlier referrals.
public struct ReferralHistory: Sendable {
    /// When each earlier referral about any of these children arrived (one entry
    /// per earlier referral, however many of the children it named).
    public var priorReferrals: [Date]
    /// The hub holding an open case for one of the children, if any.
    public var openCaseHub: String?

    public init(priorReferrals: [Date] = [], openCaseHub: String? = nil) {
        self.priorReferrals = priorReferrals
        self.openCaseHub = openCaseHub
    }

    public static let none = ReferralHistory()
}

/// Everything triage looks at.
public struct TriageInput: Sendable {
    public var referral: Referral
    public var agencyKind: AgencyKind
    public var arrival: Date
    public var history: ReferralHistory

    public init(referral: Referral, agencyKind: AgencyKind, arrival: Date, history: ReferralHistory = .none) {
        self.referral = referral
        self.agencyKind = agencyKind
        self.arrival = arrival
        self.history = history
    }
}

/// The outcome of triage, with the reasoning that produced it.
public struct TriageDecision: Sendable {
    public var level: Int
    public var rag: RAG
    public var hub: String
    /// The earlier of the RAG target and the decision target.
    public var deadline: Date
    public var flags: [String]
    /// The rule that set level, RAG and hub.
    public var rule: String
    /// The modifiers that matched, in order.
    public var modifiers: [String]
    /// True when the referral arrived outside working hours.
    public var outOfHours: Bool
    /// Every rule and modifier tried, and why it matched or not.
    public var trace: [TraceStep]
}

/// One rule or modifier tried: whether it matched, and each condition's verdict.
public struct TraceStep: Sendable, Equatable {
    public enum Kind: String, Sendable { case rule, modifier, routing }
    public var kind: Kind
    public var id: String
    public var matched: Bool
    public var reasons: [String]
}

/// Applies a threshold document to a referral. Pure: the document, the referral,
/// its history and the time go in; a decision comes out.
public struct TriageEngine: Sendable {
    public let document: ThresholdDocument

    public init(document: ThresholdDocument) { self.document = document }

    public func triage(_ input: TriageInput) -> TriageDecision {
        let facts = Facts(input, calendar: document.calendar)
        var trace: [TraceStep] = []

        // The first rule that matches sets level, RAG and hub; the document's last
        // rule has no conditions, so one always does.
        var level = 1, rag = RAG.green, hub = "", ruleID = ""
        for rule in document.rules {
            let verdict = facts.evaluate(rule.conditions, level: nil)
            trace.append(TraceStep(kind: .rule, id: rule.id, matched: verdict.holds, reasons: verdict.reasons))
            guard verdict.holds else { continue }
            level = rule.actions.level ?? level
            rag = rule.actions.rag ?? rag
            hub = rule.actions.hub ?? hub
            ruleID = rule.id
            break
        }

        var flags: [String] = []
        var modifiers: [String] = []
        for modifier in document.modifiers {
            let verdict = facts.evaluate(modifier.conditions, level: level)
            trace.append(TraceStep(kind: .modifier, id: modifier.id, matched: verdict.holds, reasons: verdict.reasons))
            guard verdict.holds else { continue }
            modifiers.append(modifier.id)
            let actions = modifier.actions
            if let raise = actions.raiseLevel { level = min(4, level + max(raise, 0)) }
            if let raise = actions.raiseRag { rag = rag.raised(by: raise) }
            // A modifier may set values, but never lower the urgency the rule set.
            if let newLevel = actions.level { level = max(level, newLevel) }
            if let newRAG = actions.rag { rag = max(rag, newRAG) }
            if let newHub = actions.hub { hub = newHub }
            if let flag = actions.flag, !flags.contains(flag) { flags.append(flag) }
        }

        if document.routeOpenCasesToAllocatedHub, let openHub = facts.history.openCaseHub {
            trace.append(TraceStep(kind: .routing, id: "open-case", matched: true, reasons: ["a child has an open case with \(openHub)"]))
            hub = openHub
        }
        if let outOfHours = document.outOfHours, facts.outOfHours, outOfHours.rags.contains(rag) {
            trace.append(TraceStep(kind: .routing, id: "out-of-hours", matched: true, reasons: ["\(rag.rawValue) outside working hours goes to \(outOfHours.hub)"]))
            hub = outOfHours.hub
        }

        let ragDeadline = document.targets[rag]!.deadline(after: input.arrival, in: document.calendar)
        let decisionDeadline = document.decisionTarget.deadline(after: input.arrival, in: document.calendar)
        return TriageDecision(
            level: level, rag: rag, hub: hub, deadline: min(ragDeadline, decisionDeadline), flags: flags,
            rule: ruleID, modifiers: modifiers, outOfHours: facts.outOfHours, trace: trace
        )
    }
}

/// The facts conditions are judged on, worked out once per referral.
private struct Facts {
    let input: TriageInput
    let history: ReferralHistory
    let categories: Set<ConcernCategory>
    let outOfHours: Bool
    /// The youngest born child's age in whole months, nil if every child is unborn.
    let youngestAgeInMonths: Int?
    let hasUnbornChild: Bool
    let concernText: String

    init(_ input: TriageInput, calendar: WorkingCalendar) {
        self.input = input
        history = input.history
        categories = Set(input.referral.concerns.map(\.category))
        outOfHours = !calendar.isWorkingTime(input.arrival)
        let today = CalendarDate(input.arrival, in: calendar.timeZone)
        let born = input.referral.children.filter { !Self.isUnborn($0) }.compactMap(\.dateOfBirth)
        youngestAgeInMonths = born.map { $0.months(until: today) }.min()
        hasUnbornChild = input.referral.children.contains(where: Self.isUnborn)
        concernText = input.referral.concerns.compactMap(\.detail).joined(separator: "\n").lowercased()
    }

    static func isUnborn(_ child: Child) -> Bool {
        child.isUnborn || (child.dateOfBirth == nil && child.expectedDueDate != nil)
    }

    /// Whether every condition holds, with a reason for each (all are evaluated,
    /// so an explanation shows every one, not just the first to fail).
    func evaluate(_ conditions: [Condition], level: Int?) -> (holds: Bool, reasons: [String]) {
        if conditions.isEmpty { return (true, ["no conditions: matches every referral"]) }
        var holds = true
        var reasons: [String] = []
        for condition in conditions {
            let (ok, reason) = evaluate(condition, level: level)
            holds = holds && ok
            reasons.append((ok ? "yes: " : "no: ") + reason)
        }
        return (holds, reasons)
    }

    func evaluate(_ condition: Condition, level: Int?) -> (Bool, String) {
        let referral = input.referral
        switch condition {
        case .immediateDanger(let wanted):
            return (referral.immediateDanger == wanted, "immediateDanger is \(referral.immediateDanger)")
        case .concernAny(let wanted):
            let found = categories.intersection(wanted)
            return (!found.isEmpty, found.isEmpty ? "no concern in \(Self.list(wanted))" : "concerns include \(Self.list(found))")
        case .concernAll(let wanted):
            let missing = wanted.subtracting(categories)
            return (missing.isEmpty, missing.isEmpty ? "every concern of \(Self.list(wanted)) is present" : "missing \(Self.list(missing))")
        case .agencyKind(let wanted):
            return (wanted.contains(input.agencyKind), "sent by a \(input.agencyKind.rawValue) agency")
        case .kind(let wanted):
            return (wanted.contains(referral.kind), "kind is \(referral.kind.rawValue)")
        case .policeRiskGrade(let wanted):
            let grade = referral.policeRiskGrade
            return (grade.map(wanted.contains) ?? false, "police risk grade is \(grade?.rawValue ?? "not given")")
        case .ageUnder(let bound):
            guard let months = youngestAgeInMonths else { return (hasUnbornChild, "the only children are unborn") }
            return (months < bound.months || hasUnbornChild, hasUnbornChild ? "an unborn child" : "the youngest child is \(Self.age(months))")
        case .ageAtLeast(let bound):
            guard let months = youngestAgeInMonths, !hasUnbornChild else { return (false, "an unborn child") }
            return (months >= bound.months, "the youngest child is \(Self.age(months))")
        case .unborn(let wanted):
            return (hasUnbornChild == wanted, hasUnbornChild ? "an unborn child" : "no unborn child")
        case .priorReferrals(let within, let atLeast):
            let since = input.arrival.addingTimeInterval(-TimeInterval(within.wallSeconds))
            let count = history.priorReferrals.filter { $0 >= since && $0 <= input.arrival }.count
            return (count >= atLeast, "\(count) earlier referral\(count == 1 ? "" : "s") within \(within)")
        case .openCase(let wanted):
            let open = history.openCaseHub != nil
            return (open == wanted, open ? "a child has an open case" : "no open case")
        case .outOfHours(let wanted):
            return (outOfHours == wanted, outOfHours ? "arrived outside working hours" : "arrived in working hours")
        case .consentNot(let excluded):
            let consent = referral.consent
            return (consent.map { !excluded.contains($0) } ?? true, "consent is \(consent?.rawValue ?? "not recorded")")
        case .levelAtLeast(let bound):
            return ((level ?? 0) >= bound, "level is \(level ?? 0)")
        case .levelAtMost(let bound):
            return ((level ?? 5) <= bound, "level is \(level ?? 0)")
        case .textAny(let phrases):
            let found = phrases.filter { Self.containsPhrase($0, in: concernText) }
            return (!found.isEmpty, found.isEmpty ? "none of the phrases in the concern detail" : "concern detail mentions \(found.map { "'\($0)'" }.joined(separator: ", "))")
        }
    }

    static func list<T: RawRepresentable>(_ values: Set<T>) -> String where T.RawValue == String {
        values.map(\.rawValue).sorted().joined(separator: ", ")
    }

    static func age(_ months: Int) -> String {
        months < 24 ? "\(months) month\(months == 1 ? "" : "s") old" : "\(months / 12) years old"
    }

    /// `phrase` (already lower-case) as whole words in `text`.
    static func containsPhrase(_ phrase: String, in text: String) -> Bool {
        var searchStart = text.startIndex
        while let range = text.range(of: phrase, range: searchStart..<text.endIndex) {
            let before = range.lowerBound == text.startIndex ? nil : text[text.index(before: range.lowerBound)]
            let after = range.upperBound == text.endIndex ? nil : text[range.upperBound]
            if !(before?.isLetter ?? false) && !(after?.isLetter ?? false) { return true }
            searchStart = text.index(after: range.lowerBound)
        }
        return false
    }
}

extension CalendarDate {
    /// Whole months from `self` to `later` (an age in months).
    func months(until later: CalendarDate) -> Int {
        let months = (later.year - year) * 12 + (later.month - month)
        return later.day < day ? months - 1 : months
    }
}
