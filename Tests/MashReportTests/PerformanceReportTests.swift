import Foundation
import MashReport
import Testing

@Suite("The performance report, without a database")
struct PerformanceReportTests {
    static let monday = Date(timeIntervalSince1970: 1_791_190_800)  // 2026-10-05T09:00:00Z

    static func referral(agency: String = "tvp", decidedAfter hours: Double?, dueAfter due: Double, outcome: String? = nil,
                         warnings: Int = 0, reReferral: Bool = false) -> ReportReferral {
        ReportReferral(
            hub: "mash-screening", agency: agency, categories: ["neglect", "neglect"], receivedAt: monday,
            deadline: monday.addingTimeInterval(due * 3600), decidedAt: hours.map { monday.addingTimeInterval($0 * 3600) },
            outcome: outcome, warnings: warnings, isReReferral: reReferral)
    }

    static func report(_ referrals: [ReportReferral], now: Date) -> PerformanceReport {
        PerformanceReport(
            referrals: referrals, from: monday.addingTimeInterval(-86_400), to: monday.addingTimeInterval(86_400 * 30), now: now,
            oneWorkingDayAfter: { $0.addingTimeInterval(24 * 3600) }, hubCaseloads: [], workerCaseloads: [])
    }

    @Test func targetsAreJudgedOnlyWhereTheyCanBeAndSharesAreRoundedPercentages() {
        let referrals = [
            Self.referral(decidedAfter: 2, dueAfter: 4, outcome: "nfa", warnings: 1, reReferral: true),  // both met
            Self.referral(decidedAfter: 30, dueAfter: 4, outcome: "advice"),                              // both missed
            Self.referral(decidedAfter: nil, dueAfter: 48),                                                // open: judged once past
        ]
        let early = Self.report(referrals, now: Self.monday.addingTimeInterval(12 * 3600)).overall
        #expect(early.referrals == 3 && early.decided == 2 && early.nfaRate == 50 && early.reReferralRate == 33.3)
        #expect(early.oneWorkingDay == .init(judged: 2, met: 1) && early.ragTarget == .init(judged: 2, met: 1), "the open one is not yet judged")
        #expect(early.warnings == 1 && early.referralsWithWarnings == 1)

        let late = Self.report(referrals, now: Self.monday.addingTimeInterval(72 * 3600)).overall
        #expect(late.oneWorkingDay == .init(judged: 3, met: 1) && late.decidedWithinOneWorkingDay == 33.3 && late.ragTargetMet == 33.3)
        #expect(Self.report([], now: Self.monday).overall.nfaRate == nil, "nothing to divide is no figure, not 0")
    }

    @Test func breakdownsCountEachGroupAndACategoryOncePerReferral() {
        let report = Self.report([
            Self.referral(agency: "a", decidedAfter: 1, dueAfter: 4), Self.referral(agency: "b", decidedAfter: 1, dueAfter: 4),
            Self.referral(agency: "b", decidedAfter: 1, dueAfter: 4),
        ], now: Self.monday)
        #expect(report.byAgency.map(\.name) == ["b", "a"] && report.byAgency.map(\.figures.referrals) == [2, 1])
        #expect(report.byCategory.map(\.referrals) == [3])
    }

    @Test func theHTMLEscapesWhatItPrints() {
        let html = ReportHTML.render(Self.report([Self.referral(agency: "<Smith & Co>", decidedAfter: 1, dueAfter: 4)], now: Self.monday),
                                     formatTime: { _ in "then" })
        #expect(html.contains("&lt;Smith &amp; Co&gt;") && !html.contains("<Smith"))
    }
}
