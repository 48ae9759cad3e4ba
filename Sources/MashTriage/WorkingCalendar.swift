import Foundation
import MashDomain
import Synchronization

/// A day of the week, as the threshold document writes it.
public enum Weekday: String, Sendable, CaseIterable, Hashable {
    case mon, tue, wed, thu, fri, sat, sun

}

/// A time of day on the local clock, to the minute.
public struct TimeOfDay: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let minutes: Int

    public init?(hour: Int, minute: Int) {
        guard (0...24).contains(hour), (0..<60).contains(minute), hour * 60 + minute <= 24 * 60 else { return nil }
        minutes = hour * 60 + minute
    }

    /// Parses `HH:MM`, 00:00 to 24:00.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 5, bytes[2] == UInt8(ascii: ":"),
              let hour = decimal(bytes[0..<2]), let minute = decimal(bytes[3..<5])
        else { return nil }
        self.init(hour: hour, minute: minute)
    }

    public var description: String { zeroPadded(minutes / 60, 2) + ":" + zeroPadded(minutes % 60, 2) }

    public static func < (lhs: TimeOfDay, rhs: TimeOfDay) -> Bool { lhs.minutes < rhs.minutes }
}

/// When the local authority works: office hours on working days, on the local
/// clock of its time zone, skipping holidays.
///
/// Office hours are wall-clock times, so they are turned into instants day by day
/// through the time zone: 09:00 is 09:00 on both sides of a clock change, and the
/// working time between two instants never counts the hour that was skipped or
/// counts the repeated one twice.
public struct WorkingCalendar: Sendable {
    public let timeZone: TimeZone
    public let days: Set<Weekday>
    public let start: TimeOfDay
    public let end: TimeOfDay
    public let holidays: Set<CalendarDate>
    /// The Gregorian calendar in `timeZone`, made once: making one is not cheap.
    private let gregorian: Calendar
    /// Office hours already worked out, by day: turning a local time into an
    /// instant through the time zone costs microseconds, and triage asks about the
    /// same few days again and again.
    private let officeHoursCache = OfficeHoursCache()

    public init(timeZone: TimeZone, days: Set<Weekday>, start: TimeOfDay, end: TimeOfDay, holidays: Set<CalendarDate>) {
        precondition(start < end && !days.isEmpty, "working hours need a start before their end and at least one day")
        var gregorian = Calendar(identifier: .gregorian)
        gregorian.timeZone = timeZone
        self.gregorian = gregorian
        self.timeZone = timeZone
        self.days = days
        self.start = start
        self.end = end
        self.holidays = holidays
    }

    /// Seconds of working time in one working day.
    public var workingDaySeconds: Int { (end.minutes - start.minutes) * 60 }

    /// True when `instant` falls inside office hours on a working day (the end of
    /// the day included).
    public func isWorkingTime(_ instant: Date) -> Bool {
        let day = CalendarDate(instant, in: timeZone)
        guard let window = officeHours(on: day) else { return false }
        return window.contains(instant)
    }

    /// The instant at which `seconds` of working time have passed since `instant`.
    /// Time outside office hours does not count; a deadline that uses up a day
    /// exactly falls at that day's close, not at the next day's opening.
    public func adding(workingSeconds seconds: Int, to instant: Date) -> Date {
        var remaining = TimeInterval(seconds)
        var day = CalendarDate(instant, in: timeZone)
        // Bounded: with at least one working day a week, ten years is far beyond
        // any deadline; the bound only guards against a calendar of holidays alone.
        for _ in 0..<3_660 {
            if let window = officeHours(on: day) {
                let from = max(window.lowerBound, instant)
                if from < window.upperBound {
                    let available = window.upperBound.timeIntervalSince(from)
                    if remaining <= available { return from.addingTimeInterval(remaining) }
                    remaining -= available
                }
            }
            day = day.adding(days: 1)
        }
        return instant.addingTimeInterval(remaining)
    }

    /// The office hours of `day` as instants, or nil when it is not a working day.
    func officeHours(on day: CalendarDate) -> ClosedRange<Date>? {
        guard !holidays.contains(day), days.contains(Weekday(day)) else { return nil }
        if let hours = officeHoursCache.hours(on: day) { return hours }
        let hours = instant(day, start)...instant(day, end)
        officeHoursCache.remember(hours, on: day)
        return hours
    }

    /// `time` on the local clock of `day`. A time that a spring clock change
    /// skips is moved forward past the gap, as Foundation does.
    func instant(_ day: CalendarDate, _ time: TimeOfDay) -> Date {
        let components = DateComponents(year: day.year, month: day.month, day: day.day, hour: time.minutes / 60, minute: time.minutes % 60)
        return gregorian.date(from: components)!
    }
}

extension Weekday {
    init(_ day: CalendarDate) {
        self = Weekday.allCases[day.weekdayIndex]
    }
}

/// A bounded memo of working days' office hours, shared by copies of a calendar.
private final class OfficeHoursCache: Sendable {
    private let entries = Mutex<[CalendarDate: ClosedRange<Date>]>([:])
    private let capacity = 4_096

    func hours(on day: CalendarDate) -> ClosedRange<Date>? {
        entries.withLock { $0[day] }
    }

    func remember(_ hours: ClosedRange<Date>, on day: CalendarDate) {
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[day] = hours
        }
    }
}
