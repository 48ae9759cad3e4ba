import Foundation

/// How long each kind of record is kept (docs/RETENTION.md): the `retention:`
/// section of the configuration, checked. Pure: no I/O.
public struct RetentionPolicy: Sendable, Equatable {
    /// The kinds of record the policy names, in the order a run applies them:
    /// referrals first, so that a referral due for deletion goes whole.
    public enum RecordType: String, Sendable, CaseIterable {
        /// Referrals decided `nfa` (no further action), from the decision.
        case nfaReferrals
        /// Referrals decided with any other outcome, from the decision.
        case decidedReferrals
        /// A decided referral's leases, acks, releases, expiries and the rest, from
        /// the decision; the referral itself is kept for its own period.
        case deliveryHistory
        /// Submissions refused at intake, from their arrival.
        case quarantine
        /// The audit log: kept whole (`never` is the only period it takes).
        case audit

        /// How long the policy keeps this kind of record unless told otherwise.
        public var defaultPeriod: RetentionPeriod {
            switch self {
            case .nfaReferrals: .after(2, .years)
            case .decidedReferrals: .after(6, .years)
            case .deliveryHistory: .after(1, .years)
            case .quarantine: .after(30, .days)
            case .audit: .never
            }
        }

        /// The shortest period allowed, when there is one, and why.
        var minimum: (period: RetentionPeriod, because: String)? {
            switch self {
            case .nfaReferrals, .decidedReferrals:
                (.after(1, .years), "triage and the re-referral rate look back 12 months at a child's earlier referrals")
            case .deliveryHistory, .quarantine, .audit: nil
            }
        }
    }

    /// Each record type's period; every type has one.
    public private(set) var periods: [RecordType: RetentionPeriod]

    /// Every record type at its default period.
    public init() {
        periods = Dictionary(uniqueKeysWithValues: RecordType.allCases.map { ($0, $0.defaultPeriod) })
    }

    /// The policy the settings describe (key: a record type's name, value: a period
    /// such as `30d`, `12w`, `6y` or `never`); types not named keep their defaults.
    /// Throws every problem found, each naming its key.
    public init(settings: [String: String]) throws(RetentionPolicyError) {
        self.init()
        var problems: [RetentionPolicyError.Problem] = []
        for (key, value) in settings.sorted(by: { $0.key < $1.key }) {
            guard let type = RecordType(rawValue: key) else {
                let known = RecordType.allCases.map(\.rawValue).joined(separator: ", ")
                problems.append(.init(key: key, message: "is not a kind of record the retention policy knows (\(known))"))
                continue
            }
            guard let period = RetentionPeriod(value) else {
                problems.append(.init(key: key, message: "must be a period such as 30d, 12w or 6y (up to 200y), or never, not \"\(value)\""))
                continue
            }
            if type == .audit, period != .never {
                problems.append(.init(key: key, message: """
                    can only be never: the audit log is append-only and hash-chained, and it is the record of every \
                    disclosure and every purge (docs/RETENTION.md)
                    """))
                continue
            }
            if let minimum = type.minimum, period.isShorter(than: minimum.period) {
                problems.append(.init(key: key, message: "must be at least \(minimum.period), as \(minimum.because), not \(period)"))
                continue
            }
            periods[type] = period
        }
        guard problems.isEmpty else { throw RetentionPolicyError(problems: problems) }
    }

    public subscript(type: RecordType) -> RetentionPeriod { periods[type]! }
}

/// How long a record is kept: a whole number of calendar days, weeks or years, or for ever.
public enum RetentionPeriod: Sendable, Hashable, CustomStringConvertible {
    public enum Unit: Character, Sendable, Hashable {
        case days = "d", weeks = "w", years = "y"
    }

    case after(Int, Unit)
    case never

    /// `30d`, `12w`, `6y` or `never`; nil for anything else, zero and more than 200 years included.
    public init?(_ text: String) {
        if text == "never" {
            self = .never
            return
        }
        let digits = text.dropLast()
        guard let unit = text.last.flatMap(Unit.init(rawValue:)), !digits.isEmpty, digits.count <= 5,
              digits.allSatisfy({ $0.isASCII && $0.isNumber }), let count = Int(digits), count > 0 else { return nil }
        self = .after(count, unit)
        guard !RetentionPeriod.after(200, .years).isShorter(than: self) else { return nil }
    }

    public var description: String {
        switch self {
        case .after(let count, let unit): "\(count)\(unit.rawValue)"
        case .never: "never"
        }
    }

    /// The time before which a record has been kept for this period at `now`
    /// (calendar arithmetic in UTC: a year back from 29 February is 28 February);
    /// nil for never.
    public func cutoff(at now: Date) -> Date? {
        guard case .after(let count, let unit) = self else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let component: Calendar.Component = switch unit {
        case .days: .day
        case .weeks: .weekOfYear
        case .years: .year
        }
        return calendar.date(byAdding: component, value: -count, to: now)
    }

    /// Shorter than `other`, a year counted as 365 days (`52w` is shorter than `1y`;
    /// `365d` is not); never is the longest.
    func isShorter(than other: Self) -> Bool {
        approximateDays < other.approximateDays
    }

    private var approximateDays: Int {
        switch self {
        case .after(let count, .days): count
        case .after(let count, .weeks): count * 7
        case .after(let count, .years): count * 365
        case .never: .max
        }
    }
}

/// Every problem in a `retention:` section, each with its key.
public struct RetentionPolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// The key as written in the section (`nfaReferrals`).
        public let key: String
        public let message: String
        public var description: String { "retention.\(key): \(message)" }
    }

    public let problems: [Problem]

    /// One line: every problem, separated by semicolons.
    public var description: String { problems.map(\.description).joined(separator: "; ") }
}
