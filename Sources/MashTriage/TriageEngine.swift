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

    /// Triages `input`. With `explain`, the decision's trace says for every rule
    /// and modifier tried why it matched or not; without, the trace holds only the
    /// steps that decided the outcome, and evaluation stops at a rule's first
    /// failing condition (intake does not need the reasons, `explain` does).
    public func triage(_ input: TriageInput, explain: Bool = false) -> TriageDecision {
        let facts = Facts(input, calendar: document.calendar, explain: explain)
        var trace: [TraceStep] = []

        // The first rule that matches sets level, RAG and hub; the document's last
        // rule has no conditions, so one always does.
        var level = 1, rag = RAG.green, hub = "", ruleID = ""
        for rule in document.rules {
            let verdict = facts.evaluate(rule.conditions, level: nil)
            if explain || verdict.holds { trace.append(TraceStep(kind: .rule, id: rule.id, matched: verdict.holds, reasons: verdict.reasons)) }
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
            if explain || verdict.holds { trace.append(TraceStep(kind: .modifier, id: modifier.id, matched: verdict.holds, reasons: verdict.reasons)) }
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

        return TriageDecision(
            level: level, rag: rag, hub: hub, deadline: deadline(for: rag, arrivedAt: input.arrival), flags: flags,
            rule: ruleID, modifiers: modifiers, outOfHours: facts.outOfHours, trace: trace
        )
    }
}

extension TriageEngine {
    /// The deadline of a referral of urgency `rag` that arrived at `arrival`: the
    /// earlier of the RAG target and the decision target. When both run in
    /// working time the shorter span is the earlier deadline, so the longer one,
    /// which means walking the calendar for days, is not worked out at all.
    public func deadline(for rag: RAG, arrivedAt arrival: Date) -> Date {
        let ragTarget = document.targets[rag]!, decisionTarget = document.decisionTarget
        let calendar = document.calendar
        if ragTarget.clock == .working && decisionTarget.clock == .working {
            let shorter = ragTarget.within.workingSeconds(in: calendar) <= decisionTarget.within.workingSeconds(in: calendar) ? ragTarget : decisionTarget
            return shorter.deadline(after: arrival, in: calendar)
        }
        return min(ragTarget.deadline(after: arrival, in: calendar), decisionTarget.deadline(after: arrival, in: calendar))
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
    /// The concerns' and updates' detail, lower-cased, as UTF-8 (searched for `textAny`).
    let concernText: [UInt8]
    /// Whether to give reasons (and evaluate every condition) or just verdicts.
    let explain: Bool

    init(_ input: TriageInput, calendar: WorkingCalendar, explain: Bool) {
        self.input = input
        self.explain = explain
        history = input.history
        // Closures rather than key paths: this runs once per triage, and key paths
        // are instantiated at run time.
        categories = Set(input.referral.concerns.map { $0.category })
        outOfHours = !calendar.isWorkingTime(input.arrival)
        let today = CalendarDate(input.arrival, in: calendar.timeZone)
        let born = input.referral.children.filter { !Self.isUnborn($0) }.compactMap { $0.dateOfBirth }
        youngestAgeInMonths = born.map { $0.months(until: today) }.min()
        hasUnbornChild = input.referral.children.contains(where: Self.isUnborn)
        concernText = Array((input.referral.concerns.compactMap(\.detail) + input.referral.updateDetails).joined(separator: "\n").lowercased().utf8)
    }

    static func isUnborn(_ child: Child) -> Bool {
        child.isUnborn || (child.dateOfBirth == nil && child.expectedDueDate != nil)
    }

    /// Whether every condition holds. Explaining, every condition is evaluated and
    /// given a reason, so the explanation shows all of them, not just the first
    /// to fail; otherwise evaluation stops at the first that fails.
    func evaluate(_ conditions: [Condition], level: Int?) -> (holds: Bool, reasons: [String]) {
        guard explain else { return (conditions.allSatisfy { evaluate($0, level: level).holds }, []) }
        if conditions.isEmpty { return (true, ["no conditions: matches every referral"]) }
        var holds = true
        var reasons: [String] = []
        for condition in conditions {
            let verdict = evaluate(condition, level: level)
            holds = holds && verdict.holds
            reasons.append((verdict.holds ? "yes: " : "no: ") + (verdict.reason ?? ""))
        }
        return (holds, reasons)
    }

    /// A verdict, with its reason written out only when explaining.
    func verdict(_ holds: Bool, _ reason: @autoclosure () -> String) -> (holds: Bool, reason: String?) {
        (holds, explain ? reason() : nil)
    }

    func evaluate(_ condition: Condition, level: Int?) -> (holds: Bool, reason: String?) {
        let referral = input.referral
        switch condition {
        case .immediateDanger(let wanted):
            return verdict(referral.immediateDanger == wanted, "immediateDanger is \(referral.immediateDanger)")
        case .concernAny(let wanted):
            let holds = !categories.isDisjoint(with: wanted)
            return verdict(holds, holds ? "concerns include \(Self.list(categories.intersection(wanted)))" : "no concern in \(Self.list(wanted))")
        case .concernAll(let wanted):
            let holds = wanted.isSubset(of: categories)
            return verdict(holds, holds ? "every concern of \(Self.list(wanted)) is present" : "missing \(Self.list(wanted.subtracting(categories)))")
        case .agencyKind(let wanted):
            return verdict(wanted.contains(input.agencyKind), "sent by a \(input.agencyKind.rawValue) agency")
        case .kind(let wanted):
            return verdict(wanted.contains(referral.kind), "kind is \(referral.kind.rawValue)")
        case .policeRiskGrade(let wanted):
            let grade = referral.policeRiskGrade
            return verdict(grade.map(wanted.contains) ?? false, "police risk grade is \(grade?.rawValue ?? "not given")")
        case .ageUnder(let bound):
            guard let months = youngestAgeInMonths else { return verdict(hasUnbornChild, "the only children are unborn") }
            return verdict(months < bound.months || hasUnbornChild, hasUnbornChild ? "an unborn child" : "the youngest child is \(Self.age(months))")
        case .ageAtLeast(let bound):
            guard let months = youngestAgeInMonths, !hasUnbornChild else { return verdict(false, "an unborn child") }
            return verdict(months >= bound.months, "the youngest child is \(Self.age(months))")
        case .unborn(let wanted):
            return verdict(hasUnbornChild == wanted, hasUnbornChild ? "an unborn child" : "no unborn child")
        case .priorReferrals(let within, let atLeast):
            let since = input.arrival.addingTimeInterval(-TimeInterval(within.wallSeconds))
            let count = history.priorReferrals.filter { $0 >= since && $0 <= input.arrival }.count
            return verdict(count >= atLeast, "\(count) earlier referral\(count == 1 ? "" : "s") within \(within)")
        case .openCase(let wanted):
            let open = history.openCaseHub != nil
            return verdict(open == wanted, open ? "a child has an open case" : "no open case")
        case .outOfHours(let wanted):
            return verdict(outOfHours == wanted, outOfHours ? "arrived outside working hours" : "arrived in working hours")
        case .consentNot(let excluded):
            let consent = referral.consent
            return verdict(consent.map { !excluded.contains($0) } ?? true, "consent is \(consent?.rawValue ?? "not recorded")")
        case .levelAtLeast(let bound):
            return verdict((level ?? 0) >= bound, "level is \(level ?? 0)")
        case .levelAtMost(let bound):
            return verdict((level ?? 5) <= bound, "level is \(level ?? 0)")
        case .textAny(let phrases):
            let holds = phrases.contains { Self.containsPhrase($0, in: concernText) }
            return verdict(holds, holds
                ? "concern detail mentions " + phrases.filter { Self.containsPhrase($0, in: concernText) }.map { "'\($0)'" }.joined(separator: ", ")
                : "none of the phrases in the concern detail")
        }
    }

    static func list<T: RawRepresentable>(_ values: Set<T>) -> String where T.RawValue == String {
        values.map(\.rawValue).sorted().joined(separator: ", ")
    }

    static func age(_ months: Int) -> String {
        months < 24 ? "\(months) month\(months == 1 ? "" : "s") old" : "\(months / 12) years old"
    }

    /// `phrase` (already lower-case) as whole words in `text`: not preceded or
    /// followed by a letter or digit. Bytes of non-ASCII characters count as
    /// letters, so "café" does not contain "caf".
    static func containsPhrase(_ phrase: String, in text: [UInt8]) -> Bool {
        var phrase = phrase
        return phrase.withUTF8 { needle in
            text.withUnsafeBufferPointer { haystack in
                guard let base = haystack.baseAddress, let needleBase = needle.baseAddress, !needle.isEmpty else { return false }
                var offset = 0
                // memchr finds each candidate first byte; memcmp checks the rest.
                while haystack.count - offset >= needle.count,
                      let found = memchr(base + offset, Int32(needleBase[0]), haystack.count - offset - needle.count + 1) {
                    let start = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                    let end = start + needle.count
                    if memcmp(base + start, needleBase, needle.count) == 0,
                       start == 0 || !isWordByte(haystack[start - 1]), end == haystack.count || !isWordByte(haystack[end]) {
                        return true
                    }
                    offset = start + 1
                }
                return false
            }
        }
    }

    static func isWordByte(_ byte: UInt8) -> Bool {
        byte >= 0x80 || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }
}

extension CalendarDate {
    /// Whole months from `self` to `later` (an age in months).
    func months(until later: CalendarDate) -> Int {
        let months = (later.year - year) * 12 + (later.month - month)
        return later.day < day ? months - 1 : months
    }
}
