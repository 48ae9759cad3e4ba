import Foundation

/// One referral as the performance report counts it.
public struct ReportReferral: Sendable {
    public var hub: String?
    public var agency: String
    public var categories: [String]
    public var receivedAt: Date
    /// The due time triage set (the earlier of the RAG target and one working day).
    public var deadline: Date?
    public var decidedAt: Date?
    public var outcome: String?
    /// Quality warnings given to the referrer at intake.
    public var warnings: Int
    /// A child it names was referred before within the 12 months before it arrived
    /// (the national re-referral measure).
    public var isReReferral: Bool

    public init(hub: String?, agency: String, categories: [String], receivedAt: Date, deadline: Date?, decidedAt: Date?,
                outcome: String?, warnings: Int, isReReferral: Bool) {
        self.hub = hub
        self.agency = agency
        self.categories = categories
        self.receivedAt = receivedAt
        self.deadline = deadline
        self.decidedAt = decidedAt
        self.outcome = outcome
        self.warnings = warnings
        self.isReReferral = isReReferral
    }
}

/// The figures for a group of referrals: all of a period's, one hub's, one agency's.
///
/// A time target is judged only where it can be: for referrals decided, and for
/// those still undecided once the target has passed (they missed it). Referrals
/// still open inside their target are left out of the share. A share is nil when
/// there is nothing to judge.
public struct PerformanceFigures: Sendable, Equatable {
    public var referrals = 0
    public var decided = 0
    public var nfa = 0
    public var reReferrals = 0
    public var warnings = 0
    public var referralsWithWarnings = 0
    public var oneWorkingDay = TargetTally()
    public var ragTarget = TargetTally()

    /// How many referrals a time target was judged on, and how many met it.
    public struct TargetTally: Sendable, Equatable {
        public var judged = 0
        public var met = 0
        public var share: Double? { percentage(met, of: judged) }

        public init(judged: Int = 0, met: Int = 0) {
            self.judged = judged
            self.met = met
        }

        mutating func count(decidedAt: Date?, target: Date, now: Date) {
            if let decidedAt {
                judged += 1
                if decidedAt <= target { met += 1 }
            } else if now > target {
                judged += 1
            }
        }
    }

    public init() {}

    /// Share of decisions made within one working day of arrival, in percent.
    public var decidedWithinOneWorkingDay: Double? { oneWorkingDay.share }
    /// Share decided by the due time triage set, in percent.
    public var ragTargetMet: Double? { ragTarget.share }
    /// Share of referrals that are re-referrals, in percent.
    public var reReferralRate: Double? { percentage(reReferrals, of: referrals) }
    /// Share of decisions that were no further action, in percent.
    public var nfaRate: Double? { percentage(nfa, of: decided) }

    /// A figure as printed: whole numbers without a decimal point, others to one place.
    public static func text(_ figure: Double) -> String {
        figure == figure.rounded() ? String(Int(figure)) : String(format: "%.1f", figure)
    }

    mutating func count(_ referral: ReportReferral, oneWorkingDayAfter: Date, now: Date) {
        referrals += 1
        if referral.decidedAt != nil { decided += 1 }
        if referral.outcome == "nfa" { nfa += 1 }
        if referral.isReReferral { reReferrals += 1 }
        warnings += referral.warnings
        if referral.warnings > 0 { referralsWithWarnings += 1 }
        oneWorkingDay.count(decidedAt: referral.decidedAt, target: oneWorkingDayAfter, now: now)
        if let deadline = referral.deadline { ragTarget.count(decidedAt: referral.decidedAt, target: deadline, now: now) }
    }
}

/// A percentage to one decimal place, nil for nothing to divide.
func percentage(_ part: Int, of whole: Int) -> Double? {
    whole == 0 ? nil : (Double(part) * 1000 / Double(whole)).rounded() / 10
}

/// How a period went, for a MASH manager (CONTRACT §5 `report`): volumes, time
/// targets, re-referral and NFA rates and quality warnings, overall, by hub, by
/// agency and by concern category, with the caseloads as they stand now. Pure:
/// the referrals, the period, the time and the calendar go in.
public struct PerformanceReport: Sendable {
    /// A named group's figures.
    public struct Breakdown: Sendable, Equatable {
        public let name: String
        public let figures: PerformanceFigures
    }

    public let from: Date
    public let to: Date
    public let generatedAt: Date
    public let overall: PerformanceFigures
    public let byHub: [Breakdown]
    public let byAgency: [Breakdown]
    /// Referrals naming each concern category (one referral may name several).
    public let byCategory: [(category: String, referrals: Int)]
    public let hubCaseloads: [HubCaseload]
    public let workerCaseloads: [WorkerCaseload]

    /// `oneWorkingDayAfter` gives the end of the statutory decision day for an arrival.
    public init(
        referrals: [ReportReferral], from: Date, to: Date, now: Date, oneWorkingDayAfter: (Date) -> Date,
        hubCaseloads: [HubCaseload], workerCaseloads: [WorkerCaseload]
    ) {
        var overall = PerformanceFigures()
        var hubs: [String: PerformanceFigures] = [:], agencies: [String: PerformanceFigures] = [:], categories: [String: Int] = [:]
        for referral in referrals {
            let dayAfter = oneWorkingDayAfter(referral.receivedAt)
            overall.count(referral, oneWorkingDayAfter: dayAfter, now: now)
            hubs[referral.hub ?? "(untriaged)", default: PerformanceFigures()].count(referral, oneWorkingDayAfter: dayAfter, now: now)
            agencies[referral.agency, default: PerformanceFigures()].count(referral, oneWorkingDayAfter: dayAfter, now: now)
            for category in Set(referral.categories) { categories[category, default: 0] += 1 }
        }
        let ordered = { (groups: [String: PerformanceFigures]) in
            groups.map { Breakdown(name: $0.key, figures: $0.value) }
                .sorted { ($0.figures.referrals, $1.name) > ($1.figures.referrals, $0.name) }
        }
        self.from = from
        self.to = to
        generatedAt = now
        self.overall = overall
        byHub = ordered(hubs)
        byAgency = ordered(agencies)
        byCategory = categories.map { ($0.key, $0.value) }.sorted { ($0.referrals, $1.category) > ($1.referrals, $0.category) }
        self.hubCaseloads = hubCaseloads
        self.workerCaseloads = workerCaseloads
    }
}
