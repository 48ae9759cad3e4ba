import Foundation
import MashDomain
import MashYAML
import Yams

/// One thing wrong with a threshold document, located by its line.
public struct ThresholdProblem: Sendable, Equatable, CustomStringConvertible {
    public let line: Int
    public let message: String
    public var description: String { "line \(line): \(message)" }
}

/// A threshold document that was refused, with every problem found.
public struct ThresholdDocumentError: Error, Sendable, CustomStringConvertible {
    public let problems: [ThresholdProblem]
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// Reads the YAML threshold document of CONTRACT §4, listing every problem by
/// line rather than stopping at the first: unknown keys, hubs, categories and
/// conditions, bad durations and times, and a rule list without a final catch-all.
public enum ThresholdParser {
    /// `knownHubs`, when given, are the hubs a document may route to.
    public static func parse(_ yaml: String, knownHubs: Set<String>? = nil) -> Result<ThresholdDocument, ThresholdDocumentError> {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            return .failure(ThresholdDocumentError(problems: [ThresholdProblem(line: error.line, message: "not valid YAML: \(error.problem)")]))
        } catch {
            return .failure(ThresholdDocumentError(problems: [ThresholdProblem(line: 1, message: "not valid YAML")]))
        }
        guard let root else {
            return .failure(ThresholdDocumentError(problems: [ThresholdProblem(line: 1, message: "the document is empty")]))
        }
        let reader = DocumentReader(knownHubs: knownHubs)
        let document = reader.document(root)
        if let document, reader.problems.isEmpty { return .success(document) }
        return .failure(ThresholdDocumentError(problems: reader.problems.sorted { $0.line < $1.line }))
    }
}

/// Walks the YAML tree, building the document and recording problems.
private final class DocumentReader {
    let knownHubs: Set<String>?
    var problems: [ThresholdProblem] = []

    init(knownHubs: Set<String>?) { self.knownHubs = knownHubs }

    func problem(_ node: Node?, _ message: String) {
        problems.append(ThresholdProblem(line: node?.mark?.line ?? 1, message: message))
    }

    // MARK: The document

    func document(_ root: Node) -> ThresholdDocument? {
        guard let fields = fields(root, "the document", required: ["name", "timezone", "workingHours", "targets", "rules"],
                                  optional: ["holidays", "levels", "outOfHours", "openCase", "modifiers"]) else { return nil }
        let name = fields["name"].flatMap { string($0, "name") }
        let timeZone = fields["timezone"].flatMap { node -> TimeZone? in
            guard let identifier = string(node, "timezone") else { return nil }
            guard let zone = TimeZone(identifier: identifier) else {
                problem(node, "timezone: '\(identifier)' is not a known time zone, e.g. Europe/London")
                return nil
            }
            return zone
        }
        let holidays = fields["holidays"].map { list($0, "holidays").compactMap { date($0, "a holiday") } } ?? []
        let calendar = fields["workingHours"].flatMap { workingHours($0, timeZone: timeZone, holidays: Set(holidays)) }
        let levels = fields["levels"].map(self.levels) ?? [1: "universal", 2: "early_help", 3: "child_in_need", 4: "child_protection"]
        let targets = fields["targets"].flatMap(self.targets)
        let outOfHours = fields["outOfHours"].flatMap(self.outOfHours)
        let openCase = fields["openCase"].map(self.openCase) ?? false
        let rules = fields["rules"].flatMap { self.rules($0, modifiers: false) }
        let modifiers = fields["modifiers"].map { self.rules($0, modifiers: true) } ?? []
        if let rules, let node = fields["rules"] { checkCatchAll(rules, node) }
        checkUniqueIDs((rules ?? []) + (modifiers ?? []))

        guard let name, let calendar, let levels, let targets, let rules, let modifiers else { return nil }
        return ThresholdDocument(
            name: name, calendar: calendar, levels: levels, targets: targets.rag, decisionTarget: targets.decision,
            outOfHours: outOfHours, routeOpenCasesToAllocatedHub: openCase, rules: rules, modifiers: modifiers
        )
    }

    func workingHours(_ node: Node, timeZone: TimeZone?, holidays: Set<CalendarDate>) -> WorkingCalendar? {
        guard let fields = fields(node, "workingHours", required: ["days", "start", "end"]) else { return nil }
        let days = fields["days"].map { list($0, "workingHours.days").compactMap { value($0, Weekday.self, "a working day") } }
        let start = fields["start"].flatMap { self.time($0, "workingHours.start") }
        let end = fields["end"].flatMap { time($0, "workingHours.end") }
        if let start, let end, start >= end { problem(node, "workingHours: start must be before end") }
        if let days, days.isEmpty, let daysNode = fields["days"] { problem(daysNode, "workingHours.days: name at least one day") }
        guard let timeZone, let days, !days.isEmpty, let start, let end, start < end else { return nil }
        return WorkingCalendar(timeZone: timeZone, days: Set(days), start: start, end: end, holidays: holidays)
    }

    func levels(_ node: Node) -> [Int: String]? {
        guard case .mapping(let mapping) = node else {
            problem(node, "levels must be a mapping of level numbers to names")
            return nil
        }
        var levels: [Int: String] = [:]
        for (key, value) in mapping {
            guard let level = key.int, (1...4).contains(level) else {
                problem(key, "levels: '\(key.string ?? "")' is not a level; levels are 1 to 4")
                continue
            }
            levels[level] = string(value, "the name of level \(level)")
        }
        return levels
    }

    func targets(_ node: Node) -> (rag: [RAG: Target], decision: Target)? {
        guard let fields = fields(node, "targets", required: ["red", "amber", "green", "decision"]) else { return nil }
        var rag: [RAG: Target] = [:]
        for colour in RAG.allCases {
            rag[colour] = fields[colour.rawValue].flatMap { target($0, "targets.\(colour.rawValue)") }
        }
        let decision = fields["decision"].flatMap { target($0, "targets.decision") }
        guard rag.count == RAG.allCases.count, let decision else { return nil }
        return (rag, decision)
    }

    func target(_ node: Node, _ what: String) -> Target? {
        guard let fields = fields(node, what, required: ["within", "clock"]) else { return nil }
        let within = fields["within"].flatMap { self.span($0, "\(what).within") }
        let clock = fields["clock"].flatMap { value($0, Target.Clock.self, "\(what).clock") }
        guard let within, let clock else { return nil }
        return Target(within: within, clock: clock)
    }

    func outOfHours(_ node: Node) -> ThresholdDocument.OutOfHours? {
        guard let fields = fields(node, "outOfHours", required: ["hub", "rag"]) else { return nil }
        let hub = fields["hub"].flatMap { self.hub($0, "outOfHours.hub") }
        let rags = fields["rag"].map { list($0, "outOfHours.rag").compactMap { value($0, RAG.self, "outOfHours.rag") } }
        guard let hub, let rags else { return nil }
        return ThresholdDocument.OutOfHours(hub: hub, rags: Set(rags))
    }

    func openCase(_ node: Node) -> Bool {
        guard let fields = fields(node, "openCase", required: ["route"]), let route = fields["route"] else { return false }
        switch string(route, "openCase.route") {
        case "allocated": return true
        case "screening": return false
        case let other?:
            problem(route, "openCase.route: '\(other)' is not one of: allocated, screening")
            return false
        case nil: return false
        }
    }

    // MARK: Rules and modifiers

    /// The rules or modifiers, or nil when any of them has a problem (the order
    /// of the rest would then not be the order the document means).
    func rules(_ node: Node, modifiers: Bool) -> [Rule]? {
        let what = modifiers ? "modifiers" : "rules"
        guard case .sequence(let sequence) = node else {
            problem(node, "\(what) must be a list")
            return nil
        }
        let rules = sequence.compactMap { rule($0, modifier: modifiers) }
        return rules.count == sequence.count ? rules : nil
    }

    func rule(_ node: Node, modifier: Bool) -> Rule? {
        let what = modifier ? "a modifier" : "a rule"
        guard let fields = fields(node, what, required: ["id", "then"], optional: ["when"]) else { return nil }
        let id = fields["id"].flatMap { string($0, "\(what)'s id") }
        let label = id.map { "\(modifier ? "modifier" : "rule") '\($0)'" } ?? what
        let conditions = fields["when"].map { self.conditions($0, label, modifier: modifier) } ?? []
        let actions = fields["then"].flatMap { self.actions($0, label, modifier: modifier) }
        guard let id, let conditions, let actions else { return nil }
        return Rule(id: id, line: node.mark?.line ?? 1, conditions: conditions, actions: actions)
    }

    /// The conditions of a `when`, or nil when any of them has a problem.
    func conditions(_ node: Node, _ label: String, modifier: Bool) -> [Condition]? {
        guard case .mapping(let mapping) = node else {
            problem(node, "\(label): 'when' must be a mapping of conditions")
            return nil
        }
        let problemsBefore = problems.count
        var conditions: [Condition] = []
        for (key, value) in mapping {
            let name = key.string ?? ""
            guard let modifiersOnly = Condition.names[name] else {
                problem(key, "\(label): '\(name)' is not a condition; conditions are: \(Condition.names.keys.sorted().joined(separator: ", "))")
                continue
            }
            if modifiersOnly && !modifier {
                problem(key, "\(label): '\(name)' may be used only in modifiers")
                continue
            }
            if let condition = condition(name, value, "\(label): \(name)") { conditions.append(condition) }
        }
        return problems.count == problemsBefore ? conditions : nil
    }

    func condition(_ name: String, _ node: Node, _ what: String) -> Condition? {
        switch name {
        case "immediateDanger": return bool(node, what).map(Condition.immediateDanger)
        case "unborn": return bool(node, what).map(Condition.unborn)
        case "openCase": return bool(node, what).map(Condition.openCase)
        case "outOfHours": return bool(node, what).map(Condition.outOfHours)
        case "concernAny": return values(node, ConcernCategory.self, what).map(Condition.concernAny)
        case "concernAll": return values(node, ConcernCategory.self, what).map(Condition.concernAll)
        case "agencyKind": return values(node, AgencyKind.self, what).map(Condition.agencyKind)
        case "kind": return values(node, Referral.Kind.self, what).map(Condition.kind)
        case "policeRiskGrade": return values(node, Referral.PoliceRiskGrade.self, what).map(Condition.policeRiskGrade)
        case "consentNot": return values(node, Referral.Consent.self, what).map(Condition.consentNot)
        case "ageUnder": return age(node, what).map(Condition.ageUnder)
        case "ageAtLeast": return age(node, what).map(Condition.ageAtLeast)
        case "levelAtLeast": return level(node, what).map(Condition.levelAtLeast)
        case "levelAtMost": return level(node, what).map(Condition.levelAtMost)
        case "priorReferrals":
            guard let fields = fields(node, what, required: ["within", "atLeast"]),
                  let within = fields["within"].flatMap({ span($0, "\(what).within") }),
                  let atLeast = fields["atLeast"].flatMap({ count($0, "\(what).atLeast") })
            else { return nil }
            guard (1...100).contains(atLeast) else {
                problem(node, "\(what).atLeast must be from 1 to 100")
                return nil
            }
            return .priorReferrals(within: within, atLeast: atLeast)
        case "textAny":
            let phrases = list(node, what).compactMap { string($0, what)?.lowercased() }
            guard !phrases.isEmpty else {
                problem(node, "\(what): name at least one word or phrase")
                return nil
            }
            return .textAny(phrases)
        default:
            return nil
        }
    }

    func actions(_ node: Node, _ label: String, modifier: Bool) -> Actions? {
        let allowed = ["level", "rag", "hub", "raiseLevel", "raiseRag", "flag"]
        guard let fields = fields(node, "\(label): then", required: modifier ? [] : ["level", "rag", "hub"], optional: modifier ? allowed : ["flag"]) else { return nil }
        var actions = Actions()
        actions.level = fields["level"].flatMap { level($0, "\(label): level") }
        actions.rag = fields["rag"].flatMap { value($0, RAG.self, "\(label): rag") }
        actions.hub = fields["hub"].flatMap { hub($0, "\(label): hub") }
        actions.raiseLevel = fields["raiseLevel"].flatMap { count($0, "\(label): raiseLevel") }
        actions.raiseRag = fields["raiseRag"].flatMap { count($0, "\(label): raiseRag") }
        actions.flag = fields["flag"].flatMap { string($0, "\(label): flag") }
        if modifier && fields.isEmpty { problem(node, "\(label): 'then' does nothing") }
        return actions
    }

    func checkCatchAll(_ rules: [Rule], _ node: Node) {
        guard let last = rules.last else {
            problem(node, "rules: there must be at least one rule, the last without 'when'")
            return
        }
        if !last.conditions.isEmpty {
            problem(node, "rules: the last rule ('\(last.id)') must have no 'when', so that every referral matches one")
        }
        for rule in rules.dropLast() where rule.conditions.isEmpty {
            problems.append(ThresholdProblem(line: rule.line, message: "rule '\(rule.id)' has no 'when', so the rules after it can never match"))
        }
    }

    func checkUniqueIDs(_ rules: [Rule]) {
        var seen: Set<String> = []
        for rule in rules where !seen.insert(rule.id).inserted {
            problems.append(ThresholdProblem(line: rule.line, message: "the id '\(rule.id)' is used twice"))
        }
    }

    // MARK: Values

    /// A mapping's fields by name; reports missing required and unknown ones.
    func fields(_ node: Node, _ what: String, required: [String], optional: [String] = []) -> [String: Node]? {
        guard case .mapping(let mapping) = node else {
            problem(node, "\(what) must be a mapping")
            return nil
        }
        var fields: [String: Node] = [:]
        for (key, value) in mapping {
            let name = key.string ?? ""
            guard required.contains(name) || optional.contains(name) else {
                problem(key, "\(what): '\(name)' is not a known field; known: \((required + optional).joined(separator: ", "))")
                continue
            }
            fields[name] = value
        }
        for name in required where fields[name] == nil {
            problem(node, "\(what): '\(name)' is required")
        }
        return fields
    }

    func string(_ node: Node, _ what: String) -> String? {
        guard case .scalar(let scalar) = node, !scalar.string.isEmpty else {
            problem(node, "\(what) must be text")
            return nil
        }
        return scalar.string
    }

    func bool(_ node: Node, _ what: String) -> Bool? {
        guard case .scalar = node, let value = node.bool else {
            problem(node, "\(what) must be true or false")
            return nil
        }
        return value
    }

    func count(_ node: Node, _ what: String) -> Int? {
        guard case .scalar = node, let value = node.int, value >= 0 else {
            problem(node, "\(what) must be a whole number, 0 or more")
            return nil
        }
        return value
    }

    func level(_ node: Node, _ what: String) -> Int? {
        guard case .scalar = node, let value = node.int, (1...4).contains(value) else {
            problem(node, "\(what) must be a level from 1 to 4")
            return nil
        }
        return value
    }

    func hub(_ node: Node, _ what: String) -> String? {
        guard let hub = string(node, what) else { return nil }
        if let knownHubs, !knownHubs.contains(hub) {
            problem(node, "\(what): '\(hub)' is not a known hub; known: \(knownHubs.sorted().joined(separator: ", "))")
            return nil
        }
        return hub
    }

    func span(_ node: Node, _ what: String) -> Span? {
        guard let text = string(node, what) else { return nil }
        guard let span = Span(text) else {
            problem(node, "\(what): '\(text)' is not a duration; write a whole number and m, h or d, e.g. 4h or 1d")
            return nil
        }
        return span
    }

    func time(_ node: Node, _ what: String) -> TimeOfDay? {
        guard let text = string(node, what) else { return nil }
        guard let time = TimeOfDay(text) else {
            problem(node, "\(what): '\(text)' is not a time; write HH:MM in quotes, e.g. \"09:00\"")
            return nil
        }
        return time
    }

    func date(_ node: Node, _ what: String) -> CalendarDate? {
        guard let text = string(node, what) else { return nil }
        guard let date = CalendarDate(text) else {
            problem(node, "\(what): '\(text)' is not a real date written YYYY-MM-DD")
            return nil
        }
        return date
    }

    func age(_ node: Node, _ what: String) -> AgeBound? {
        guard case .mapping(let mapping) = node, mapping.count == 1, let (key, value) = mapping.first,
              let unit = key.string, unit == "years" || unit == "months"
        else {
            problem(node, "\(what) must be {years: N} or {months: N}")
            return nil
        }
        guard let amount = count(value, "\(what).\(unit)") else { return nil }
        return AgeBound(months: unit == "years" ? amount * 12 : amount, text: "\(amount) \(unit)")
    }

    /// A scalar or a list of scalars, as items.
    func list(_ node: Node, _ what: String) -> [Node] {
        switch node {
        case .sequence(let sequence): return Array(sequence)
        case .scalar: return [node]
        default:
            problem(node, "\(what) must be a value or a list of values")
            return []
        }
    }

    func value<E: RawRepresentable & CaseIterable>(_ node: Node, _ type: E.Type, _ what: String) -> E? where E.RawValue == String {
        guard let text = string(node, what) else { return nil }
        guard let value = E(rawValue: text) else {
            problem(node, "\(what): '\(text)' is not one of: \(E.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        return value
    }

    func values<E: RawRepresentable & CaseIterable & Hashable>(_ node: Node, _ type: E.Type, _ what: String) -> Set<E>? where E.RawValue == String {
        let items = list(node, what)
        let values = items.compactMap { value($0, type, what) }
        guard !items.isEmpty, values.count == items.count else {
            if items.isEmpty { problem(node, "\(what): name at least one value") }
            return nil
        }
        return Set(values)
    }
}
