import Foundation
import Histogram

/// Latencies in an HdrHistogram: microseconds from 1 µs to an hour, to three
/// significant digits (a percentile is within 0.1% of a value recorded; the
/// maximum is exact).
struct Latencies: Sendable {
    private static let highest: UInt64 = 3_600_000_000
    private var histogram = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: highest, numberOfSignificantValueDigits: .three)

    var count: UInt64 { histogram.totalCount }

    /// Records the time from `from` to `to` (nanoseconds, as `now()` gives them).
    mutating func record(from: UInt64, to: UInt64) {
        _ = histogram.record(Swift.min(Swift.max(1, to > from ? (to - from) / 1_000 : 0), Self.highest))
    }

    mutating func add(_ other: Latencies) { histogram.add(other.histogram) }

    /// `p50_ms=… p90_ms=… p99_ms=… p999_ms=… max_ms=…`, each name after `prefix`;
    /// nan when nothing was recorded.
    func fields(_ prefix: String = "") -> String {
        let values: [(String, UInt64)] = [
            ("p50", histogram.valueAtPercentile(50)), ("p90", histogram.valueAtPercentile(90)),
            ("p99", histogram.valueAtPercentile(99)), ("p999", histogram.valueAtPercentile(99.9)), ("max", histogram.maxRecorded),
        ]
        return values.map { name, micros in
            "\(prefix)\(name)_ms=" + (count == 0 ? "nan" : String(format: "%.3f", Double(micros) / 1_000))
        }.joined(separator: " ")
    }
}
