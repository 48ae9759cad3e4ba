import Foundation
import MashDomain
import MashConfig
import Testing

@Suite("The retention policy's settings")
struct RetentionPolicyTests {
    @Test func typesNotNamedKeepTheirDefaultsAndNamedOnesTakeTheirPeriods() throws {
        let defaults = RetentionPolicy()
        #expect(defaults[.nfaReferrals] == .after(2, .years) && defaults[.decidedReferrals] == .after(6, .years))
        #expect(defaults[.deliveryHistory] == .after(1, .years) && defaults[.quarantine] == .after(30, .days) && defaults[.audit] == .never)
        #expect(try RetentionPolicy(settings: [:]) == defaults)

        let policy = try RetentionPolicy(settings: ["nfaReferrals": "365d", "quarantine": "2w", "deliveryHistory": "never", "audit": "never"])
        #expect(policy[.nfaReferrals] == .after(365, .days) && policy[.quarantine] == .after(2, .weeks))
        #expect(policy[.deliveryHistory] == .never && policy[.decidedReferrals] == .after(6, .years))
    }

    @Test func everyBadKeyIsNamedWithWhatIsWrong() throws {
        let settings = ["nfaReferal": "2y", "quarantine": "30 days", "decidedReferrals": "52w", "audit": "7y", "deliveryHistory": "0d"]
        let error = try #require(throws: RetentionPolicyError.self) { try RetentionPolicy(settings: settings) }
        #expect(error.problems.map(\.key) == ["audit", "decidedReferrals", "deliveryHistory", "nfaReferal", "quarantine"])
        let text = error.description
        #expect(!text.contains("\n"), "one line: \(text)")
        #expect(text.contains("retention.nfaReferal: is not a kind of record") && text.contains("nfaReferrals, decidedReferrals"))
        #expect(text.contains("retention.quarantine: must be a period such as 30d") && text.contains("\"30 days\""))
        #expect(text.contains("retention.decidedReferrals: must be at least 1y") && text.contains("re-referral"))
        #expect(text.contains("retention.audit: can only be never"))
        #expect(text.contains("retention.deliveryHistory: must be a period"), "zero is not a period")
    }

    @Test func periodsAreWholeCalendarUnitsUpTo200Years() throws {
        for text in ["+5d", "5", "d", "5m", "1.5y", "-1y", "201y", "73001d", "5D", "never "] {
            #expect(RetentionPeriod(text) == nil, "\(text)")
        }
        #expect(RetentionPeriod("200y") == .after(200, .years) && RetentionPeriod("never") == .never)
        #expect(RetentionPeriod("12w")?.description == "12w")

        let leapDay = try #require(RFC3339.parse("2028-02-29T10:00:00Z"))
        #expect(RetentionPeriod.after(1, .years).cutoff(at: leapDay) == RFC3339.parse("2027-02-28T10:00:00Z"))
        #expect(RetentionPeriod.after(2, .weeks).cutoff(at: leapDay) == RFC3339.parse("2028-02-15T10:00:00Z"))
        #expect(RetentionPeriod.after(30, .days).cutoff(at: leapDay) == RFC3339.parse("2028-01-30T10:00:00Z"))
        #expect(RetentionPeriod.never.cutoff(at: leapDay) == nil)
    }
}
