import Foundation
import Logging
import MashDomain

/// Writes each log event as one line on standard error:
///
///     2026-11-23T12:31:31.204113Z info mashd: referral received agency=demo-police referral=0b2a...
///
/// The time is UTC with microseconds (systemd's journal adds its own too), then the
/// level, the logger's label, the message and the metadata sorted by key. A line
/// goes out in one `write(2)`, so lines from different threads never interleave.
/// Unlike swift-log's `StreamLogHandler` it writes UTC rather than local time, to
/// the microsecond, and formats without `strftime` or a lock around stdio: with one
/// line per referral, logging is a visible share of mashd's work.
struct LogLineHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(label: String, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.metadataProvider = metadataProvider
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields = metadata
        if let provided = metadataProvider?.get() { fields.merge(provided) { _, new in new } }
        if let given = event.metadata { fields.merge(given) { _, new in new } }
        var line = RFC3339.format(Date()) + " \(event.level) \(label): \(event.message)"
        for key in fields.keys.sorted() {
            line += " \(key)=\(fields[key]!)"
        }
        line += "\n"
        line.withUTF8 { bytes in
            var remaining = UnsafeRawBufferPointer(bytes)
            while !remaining.isEmpty {
                let written = write(STDERR_FILENO, remaining.baseAddress, remaining.count)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }  // nowhere left to report it
                remaining = UnsafeRawBufferPointer(rebasing: remaining[written...])
            }
        }
    }
}
