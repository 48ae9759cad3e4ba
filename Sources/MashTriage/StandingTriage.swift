import Foundation

/// A referral's triage as it stands: what an update may raise but never lower.
public struct StandingTriage: Sendable, Equatable {
    public var level: Int
    public var rag: RAG
    public var hub: String
    public var deadline: Date
    public var flags: [String]
    public var rule: String
    public var modifiers: [String]
    public var thresholdVersion: Int

    public init(level: Int, rag: RAG, hub: String, deadline: Date, flags: [String], rule: String, modifiers: [String], thresholdVersion: Int) {
        self.level = level
        self.rag = rag
        self.hub = hub
        self.deadline = deadline
        self.flags = flags
        self.rule = rule
        self.modifiers = modifiers
        self.thresholdVersion = thresholdVersion
    }

    /// The triage after `decision`, reached again with an update taken in, or nil
    /// when it raises neither the level nor the urgency. Raising takes the higher
    /// level and the more urgent RAG, the hub and rule of the decision that raised
    /// them, the earlier deadline, and the flags of both; nothing is ever lowered.
    public func raised(by decision: TriageDecision, thresholdVersion version: Int) -> StandingTriage? {
        guard decision.level > level || decision.rag > rag else { return nil }
        return StandingTriage(
            level: max(level, decision.level), rag: max(rag, decision.rag), hub: decision.hub,
            deadline: min(deadline, decision.deadline), flags: flags + decision.flags.filter { !flags.contains($0) },
            rule: decision.rule, modifiers: decision.modifiers, thresholdVersion: version
        )
    }
}
