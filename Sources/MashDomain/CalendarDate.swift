import Foundation

/// A day on the calendar, with no time or zone: a date of birth, a due date.
public struct CalendarDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Parses `YYYY-MM-DD`, accepting only days that exist (2024-02-29, not 2023-02-29).
    public init?(_ text: String) {
        self.init(utf8: Array(text.utf8)[...])
    }

    /// Parses `YYYY-MM-DD` from exactly these bytes.
    init?(utf8 bytes: ArraySlice<UInt8>) {
        let start = bytes.startIndex
        guard bytes.count == 10, bytes[start + 4] == UInt8(ascii: "-"), bytes[start + 7] == UInt8(ascii: "-"),
              let year = decimal(bytes[start..<(start + 4)]), let month = decimal(bytes[(start + 5)..<(start + 7)]),
              let day = decimal(bytes[(start + 8)..<(start + 10)]),
              (1...12).contains(month), day >= 1, day <= Self.days(inMonth: month, year: year)
        else { return nil }
        self.init(year: year, month: month, day: day)
    }

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// The date `instant` falls on in `timeZone`.
    public init(_ instant: Date, in timeZone: TimeZone) {
        let localSeconds = Int((instant.timeIntervalSince1970 + Double(timeZone.secondsFromGMT(for: instant))).rounded(.down))
        let (days, remainder) = localSeconds.quotientAndRemainder(dividingBy: 86_400)
        self = RFC3339.civilDate(daysSinceEpoch: remainder < 0 ? days - 1 : days)
    }

    public var description: String {
        zeroPadded(year, 4) + "-" + zeroPadded(month, 2) + "-" + zeroPadded(day, 2)
    }

    public static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// Whole years from `self` to `later` (an age, when `self` is a birth date).
    public func years(until later: CalendarDate) -> Int {
        let years = later.year - year
        return (later.month, later.day) < (month, day) ? years - 1 : years
    }

    /// The same day `months` months later, clamped to the end of a shorter month.
    public func adding(months: Int) -> CalendarDate {
        let total = year * 12 + (month - 1) + months
        let newYear = total / 12
        let newMonth = total % 12 + 1
        return CalendarDate(year: newYear, month: newMonth, day: min(day, Self.days(inMonth: newMonth, year: newYear)))
    }

    /// The day `count` days later (earlier when negative).
    public func adding(days count: Int) -> CalendarDate {
        RFC3339.civilDate(daysSinceEpoch: RFC3339.daysSinceEpoch(self) + count)
    }

    /// The day of the week, 0 for Monday to 6 for Sunday.
    public var weekdayIndex: Int {
        // 1970-01-01 was a Thursday (3).
        ((RFC3339.daysSinceEpoch(self) % 7) + 7 + 3) % 7
    }

    static func days(inMonth month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

/// An instant written as RFC 3339 (`2026-11-23T09:15:00Z`, `...T09:15:00.5+01:00`).
public enum RFC3339 {
    /// Parses a timestamp with a time zone offset; nil for anything else.
    public static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t"),
              bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
              let date = CalendarDate(utf8: bytes[0..<10]),
              let hour = decimal(bytes[11..<13]), let minute = decimal(bytes[14..<16]), let second = decimal(bytes[17..<19]),
              hour < 24, minute < 60, second < 60
        else { return nil }
        var index = 19
        var fraction = 0.0
        if bytes[index] == UInt8(ascii: ".") {
            let start = index + 1
            index = start
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
            guard index > start, let digits = Double("0." + String(decoding: bytes[start..<index], as: UTF8.self)) else { return nil }
            fraction = digits
        }
        guard index < bytes.count else { return nil }
        var offsetSeconds = 0
        switch bytes[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard index + 1 == bytes.count else { return nil }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard index + 6 == bytes.count, bytes[index + 3] == UInt8(ascii: ":"),
                  let hours = decimal(bytes[(index + 1)..<(index + 3)]), let minutes = decimal(bytes[(index + 4)..<(index + 6)]),
                  hours < 24, minutes < 60
            else { return nil }
            offsetSeconds = (hours * 3600 + minutes * 60) * (bytes[index] == UInt8(ascii: "+") ? 1 : -1)
        default:
            return nil
        }
        let days = daysSinceEpoch(date)
        let seconds = Double(days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds) + fraction
        return Date(timeIntervalSince1970: seconds)
    }

    /// Formats an instant in UTC with microseconds, e.g. `2026-11-23T09:15:00.123456Z`.
    public static func format(_ date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        // Floor division, so instants before 1970 format correctly too.
        let (q, r) = micros.quotientAndRemainder(dividingBy: 1_000_000)
        let (seconds, fraction) = r < 0 ? (Int(q) - 1, Int(r) + 1_000_000) : (Int(q), Int(r))
        let (d, s) = seconds.quotientAndRemainder(dividingBy: 86_400)
        let (day, secondOfDay) = s < 0 ? (d - 1, s + 86_400) : (d, s)
        let civil = civilDate(daysSinceEpoch: day)
        return civil.description + "T" + zeroPadded(secondOfDay / 3600, 2) + ":" + zeroPadded(secondOfDay % 3600 / 60, 2)
            + ":" + zeroPadded(secondOfDay % 60, 2) + "." + zeroPadded(fraction, 6) + "Z"
    }

    // Days from 1970-01-01, from Howard Hinnant's civil calendar algorithms.
    static func daysSinceEpoch(_ date: CalendarDate) -> Int {
        let y = date.month <= 2 ? date.year - 1 : date.year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (date.month + (date.month > 2 ? -3 : 9)) + 2) / 5 + date.day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civilDate(daysSinceEpoch days: Int) -> CalendarDate {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return CalendarDate(year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month: month, day: day)
    }
}

/// `value` in decimal, padded with leading zeros to at least `width` digits.
/// (What `String(format: "%0*d")` does, without Foundation's formatter per call.)
public func zeroPadded(_ value: Int, _ width: Int) -> String {
    let digits = String(value)
    return digits.utf8.count >= width ? digits : String(repeating: "0", count: width - digits.utf8.count) + digits
}

/// The value of ASCII decimal digits; nil if any byte is not a digit.
public func decimal(_ bytes: ArraySlice<UInt8>) -> Int? {
    guard bytes.allSatisfy(isASCIIDigit) else { return nil }
    return bytes.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
}
