import Foundation
import Logging
import MashConfig
import MashDomain
import Synchronization

/// The log format and level in force, shared by every logger of the process so
/// that SIGHUP can change them while the daemon runs.
final class LoggingSettings: Sendable {
    private let state: Mutex<(format: DaemonConfiguration.LogFormat, level: Logger.Level)>

    init(_ configuration: DaemonConfiguration) {
        state = Mutex((configuration.logFormat, Logger.Level(configuration.logLevel)))
    }

    var format: DaemonConfiguration.LogFormat { state.withLock { $0.format } }
    var level: Logger.Level { state.withLock { $0.level } }

    func update(_ configuration: DaemonConfiguration) {
        state.withLock { $0 = (configuration.logFormat, Logger.Level(configuration.logLevel)) }
    }
}

extension Logger.Level {
    init(_ level: DaemonConfiguration.LogLevel) {
        self = Logger.Level(rawValue: level.rawValue) ?? .info
    }
}

/// Writes each log event as one line on standard error, as text:
///
///     2026-11-23T12:31:31.204113Z info mashd: referral received agency=demo-police referral=0b2a...
///
/// or as one JSON object (`logFormat: json`):
///
///     {"time":"2026-11-23T12:31:31.204113Z","level":"info","logger":"mashd","message":"referral received","agency":"demo-police",...}
///
/// The time is UTC with microseconds, then the level, the logger's label, the
/// message and the metadata sorted by key. A line goes out in one `write(2)`, so
/// lines from different threads never interleave. Unlike swift-log's
/// `StreamLogHandler` it writes UTC to the microsecond and formats without
/// `strftime` or a lock around stdio: with one line per referral, logging is a
/// visible share of mashd's work. Log lines carry identifiers and counts, never
/// a child's personal data: no call site logs a referral's content.
struct LogLineHandler: LogHandler {
    let label: String
    let settings: LoggingSettings
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(label: String, settings: LoggingSettings) {
        self.label = label
        self.settings = settings
    }

    /// The level in force for the whole process; setting it on one logger is ignored.
    var logLevel: Logger.Level {
        get { settings.level }
        set {}
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields = metadata
        if let provided = metadataProvider?.get() { fields.merge(provided) { _, new in new } }
        if let given = event.metadata { fields.merge(given) { _, new in new } }
        let time = RFC3339.format(Date())
        var line: String
        switch settings.format {
        case .text:
            line = time + " \(event.level) \(label): \(event.message)"
            for key in fields.keys.sorted() {
                line += " \(key)=\(fields[key]!)"
            }
        case .json:
            line = "{\"time\":\"\(time)\",\"level\":\"\(event.level)\",\"logger\":" + JSONString.quoted(label)
                + ",\"message\":" + JSONString.quoted("\(event.message)")
            for key in fields.keys.sorted() where !["time", "level", "logger", "message"].contains(key) {
                line += "," + JSONString.quoted(key) + ":" + JSONString.quoted("\(fields[key]!)")
            }
            line += "}"
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
