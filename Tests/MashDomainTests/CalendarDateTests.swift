import Foundation
import MashDomain
import Testing

private func date(_ text: String) throws -> CalendarDate {
    try #require(CalendarDate(text), "\(text) should parse")
}

private func instant(_ text: String) throws -> Date {
    try #require(RFC3339.parse(text), "\(text) should parse")
}

@Suite("CalendarDate")
struct CalendarDateTests {
    @Test(arguments: [
        ("2024-02-29", 2024, 2, 29),
        ("2000-02-29", 2000, 2, 29),
        ("2026-01-01", 2026, 1, 1),
        ("2026-12-31", 2026, 12, 31),
        ("2026-04-30", 2026, 4, 30),
        ("2026-11-23", 2026, 11, 23),
        ("0999-01-05", 999, 1, 5),
    ])
    func validDates(_ text: String, _ year: Int, _ month: Int, _ day: Int) throws {
        let parsed = try date(text)
        #expect(parsed.year == year)
        #expect(parsed.month == month)
        #expect(parsed.day == day)
        #expect(parsed == CalendarDate(year: year, month: month, day: day))
        #expect(parsed.description == text)
    }

    @Test(arguments: [
        "2023-02-29", "1900-02-29", "2100-02-29", "2026-02-30", "2026-04-31", "2026-01-32", "2026-06-00",
        "2026-13-01", "2026-00-10", "2026-1-01", "2026-01-1", "26-01-01", "02026-01-01",
        "2026/01/01", "20260101", "2026-01-01T00:00:00Z", " 2026-01-01", "2026-01-01 ", "",
        "2026-0a-01", "+026-01-01", "-026-01-01", "2026--1-01", "２０２６-01-01",
    ])
    func invalidDates(_ text: String) {
        #expect(CalendarDate(text) == nil)
    }

    @Test func descriptionIsZeroPadded() {
        #expect(CalendarDate(year: 2026, month: 2, day: 3).description == "2026-02-03")
        #expect(CalendarDate(year: 5, month: 10, day: 9).description == "0005-10-09")
    }

    @Test func ordering() throws {
        #expect(try date("2026-01-31") < date("2026-02-01"))
        #expect(try date("2025-12-31") < date("2026-01-01"))
        #expect(try date("2026-02-01") < date("2026-02-02"))
        #expect(try !(date("2026-02-02") < date("2026-02-02")))
        let sorted = try ["2026-03-01", "2025-12-31", "2026-02-28", "2026-01-01"].map(date).sorted().map(\.description)
        #expect(sorted == ["2025-12-31", "2026-01-01", "2026-02-28", "2026-03-01"])
    }

    @Test(arguments: [
        ("2016-04-02", "2026-04-01", 9),
        ("2016-04-02", "2026-04-02", 10),
        ("2016-04-02", "2026-04-03", 10),
        ("2016-04-02", "2026-11-23", 10),
        ("2016-04-02", "2027-03-31", 10),
        ("2008-11-23", "2026-11-23", 18),
        ("2008-11-24", "2026-11-23", 17),
        ("2008-12-01", "2026-11-30", 17),
        ("2020-02-29", "2021-02-28", 0),
        ("2020-02-29", "2021-03-01", 1),
        ("2020-02-29", "2024-02-28", 3),
        ("2020-02-29", "2024-02-29", 4),
        ("2026-11-23", "2026-11-23", 0),
        ("2025-12-31", "2026-01-01", 0),
    ])
    func yearsUntil(_ birth: String, _ on: String, _ expected: Int) throws {
        #expect(try date(birth).years(until: date(on)) == expected)
    }

    @Test(arguments: [
        ("2026-01-31", 1, "2026-02-28"),
        ("2024-01-31", 1, "2024-02-29"),
        ("2026-03-31", 1, "2026-04-30"),
        ("2026-03-31", -1, "2026-02-28"),
        ("2026-12-31", 2, "2027-02-28"),
        ("2026-11-23", 10, "2027-09-23"),
        ("2026-11-23", -1, "2026-10-23"),
        ("2026-01-15", -1, "2025-12-15"),
        ("2026-05-10", 0, "2026-05-10"),
        ("2026-05-10", 12, "2027-05-10"),
        ("2026-05-10", 24, "2028-05-10"),
        ("2026-05-10", -17, "2024-12-10"),
        ("2024-02-29", 12, "2025-02-28"),
    ])
    func addingMonthsClampsToTheEndOfTheMonth(_ start: String, _ months: Int, _ expected: String) throws {
        #expect(try date(start).adding(months: months).description == expected)
    }

    @Test func dateOfAnInstantDependsOnTheTimeZone() throws {
        let london = try #require(TimeZone(identifier: "Europe/London"))
        let utc = try #require(TimeZone(identifier: "UTC"))
        // 23:30 UTC on 30 June is 00:30 BST on 1 July.
        let summer = try instant("2026-06-30T23:30:00Z")
        #expect(CalendarDate(summer, in: london) == CalendarDate(year: 2026, month: 7, day: 1))
        #expect(CalendarDate(summer, in: utc) == CalendarDate(year: 2026, month: 6, day: 30))
        // In winter London is on UTC.
        let winter = try instant("2026-11-23T23:30:00Z")
        #expect(CalendarDate(winter, in: london) == CalendarDate(year: 2026, month: 11, day: 23))
    }
}

@Suite("RFC3339")
struct RFC3339Tests {
    /// 2026-11-23T09:15:00Z as seconds since 1970.
    static let nineFifteen: TimeInterval = 1_795_425_300

    @Test func parsesUTC() throws {
        #expect(try instant("2026-11-23T09:15:00Z").timeIntervalSince1970 == Self.nineFifteen)
        #expect(try instant("2026-11-23t09:15:00z").timeIntervalSince1970 == Self.nineFifteen)
        #expect(try instant("1970-01-01T00:00:00Z").timeIntervalSince1970 == 0)
        #expect(try instant("1969-07-20T20:17:40Z").timeIntervalSince1970 == -14_182_940)
    }

    @Test(arguments: [
        ("2026-11-23T10:15:00+01:00", "2026-11-23T09:15:00Z"),
        ("2026-11-23T08:15:00-01:00", "2026-11-23T09:15:00Z"),
        ("2026-11-23T09:15:00+00:00", "2026-11-23T09:15:00Z"),
        ("2026-11-23T09:15:00-00:00", "2026-11-23T09:15:00Z"),
        ("2026-11-23T14:45:00+05:30", "2026-11-23T09:15:00Z"),
        ("2026-11-23T00:30:00+01:00", "2026-11-22T23:30:00Z"),
        ("2026-12-31T23:00:00-02:00", "2027-01-01T01:00:00Z"),
    ])
    func offsetsAreApplied(_ withOffset: String, _ utc: String) throws {
        #expect(try instant(withOffset) == instant(utc))
    }

    @Test func plusOneHourIsEightFifteenUTC() throws {
        #expect(try instant("2026-11-23T09:15:00+01:00").timeIntervalSince1970 == Self.nineFifteen - 3_600)
        #expect(try instant("2026-11-23T09:15:00+01:00") == instant("2026-11-23T08:15:00Z"))
    }

    @Test func fractionalSeconds() throws {
        #expect(try instant("2026-11-23T09:15:00.5Z").timeIntervalSince1970 == Self.nineFifteen + 0.5)
        #expect(try instant("2026-11-23T09:15:00.25+01:00").timeIntervalSince1970 == Self.nineFifteen - 3_600 + 0.25)
        let micro = try instant("2026-11-23T09:15:00.123456Z").timeIntervalSince1970
        #expect(abs(micro - (Self.nineFifteen + 0.123456)) < 0.000_001)
        // More digits than microseconds are accepted.
        #expect(try instant("2026-11-23T09:15:00.000000001Z").timeIntervalSince1970 - Self.nineFifteen < 0.000_001)
    }

    @Test(arguments: [
        "2026-11-23T09:15:00",  // no offset
        "2026-11-23T09:15:00.5",  // no offset after a fraction
        "2026-02-30T00:00:00Z",  // no such day
        "2026-13-01T00:00:00Z",
        "2026-11-23T24:00:00Z", "2026-11-23T09:60:00Z", "2026-11-23T09:15:60Z",
        "2026-11-23T9:15:00Z", "2026-11-23T09:15Z", "2026-11-23T0a:15:00Z",
        "2026-11-23T09:15:00.Z", "2026-11-23T09:15:00,5Z",
        "2026-11-23T09:15:00+0100", "2026-11-23T09:15:00+01", "2026-11-23T09:15:00+24:00",
        "2026-11-23T09:15:00+01:60", "2026-11-23T09:15:00 +01:00",
        "2026-11-23T09:15:00Zjunk", "2026-11-23T09:15:00+01:00x", "2026-11-23T09:15:00ZZ",
        "2026-11-23X09:15:00Z", "2026-11-23", "", "yesterday at nine o'clock",
    ])
    func rejects(_ text: String) {
        #expect(RFC3339.parse(text) == nil)
    }

    @Test(arguments: [
        (0.0, "1970-01-01T00:00:00.000000Z"),
        (1_795_425_300.0, "2026-11-23T09:15:00.000000Z"),
        (1_795_425_300.5, "2026-11-23T09:15:00.500000Z"),
        (-1.0, "1969-12-31T23:59:59.000000Z"),
        (-1.5, "1969-12-31T23:59:58.500000Z"),
        (-0.000_001, "1969-12-31T23:59:59.999999Z"),
        (-86_400.0, "1969-12-31T00:00:00.000000Z"),
        (-14_182_940.0, "1969-07-20T20:17:40.000000Z"),
        (-2_208_988_800.0, "1900-01-01T00:00:00.000000Z"),
        (951_782_400.0, "2000-02-29T00:00:00.000000Z"),
    ])
    func formatsInUTCWithMicroseconds(_ seconds: TimeInterval, _ expected: String) {
        #expect(RFC3339.format(Date(timeIntervalSince1970: seconds)) == expected)
    }

    @Test(arguments: [
        "2026-11-23T09:15:00.123456Z",
        "2026-11-23T09:15:00.000001Z",
        "2026-11-23T09:15:00.999999Z",
        "1969-07-20T20:17:40.000001Z",
        "1969-12-31T23:59:59.999999Z",
        "1900-03-01T12:00:00.654321Z",
        "2000-02-29T23:59:59.999999Z",
        "2399-12-31T23:59:59.500000Z",
    ])
    func formatRoundTrips(_ text: String) throws {
        let parsed = try instant(text)
        #expect(RFC3339.format(parsed) == text)
        #expect(try instant(RFC3339.format(parsed)) == parsed)
    }

    @Test func formatConvertsOffsetsToUTC() throws {
        #expect(RFC3339.format(try instant("2026-11-23T10:15:00.5+01:00")) == "2026-11-23T09:15:00.500000Z")
        #expect(RFC3339.format(try instant("2026-11-22T20:00:00-05:00")) == "2026-11-23T01:00:00.000000Z")
    }
}
