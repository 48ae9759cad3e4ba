/// One configuration setting: its key in the YAML file (`tls.clientCA`), the
/// environment variable and flag derived from it (`MASH_TLS_CLIENT_CA`,
/// `--tls-client-ca`), how its text is read into the configuration, and whether
/// SIGHUP can change it in a running daemon.
public struct Setting: Sendable {
    public let key: String
    public let reloadable: Bool
    /// The setting's value in a configuration, as text (nil when unset).
    let describe: @Sendable (DaemonConfiguration) -> String?
    let apply: @Sendable (inout DaemonConfiguration, String) throws(SettingProblem) -> Void

    /// The problem with a value, in words that follow "key: ".
    struct SettingProblem: Error {
        let message: String
    }

    public var environmentName: String { "MASH_" + words.map { $0.uppercased() }.joined(separator: "_") }
    public var flagName: String { "--" + words.map { $0.lowercased() }.joined(separator: "-") }

    /// The key's words: `tls.clientCA` is tls, client, CA; `databaseURL` is database, URL.
    var words: [String] {
        key.split(separator: ".").flatMap { part -> [String] in
            var words: [String] = []
            let characters = Array(part)
            var current = ""
            for (index, character) in characters.enumerated() {
                let next = index + 1 < characters.count ? characters[index + 1] : nil
                let previous = index > 0 ? characters[index - 1] : nil
                let startsWord = character.isUppercase && !current.isEmpty
                    && (previous?.isLowercase == true || next?.isLowercase == true)
                if startsWord {
                    words.append(current)
                    current = ""
                }
                current.append(character)
            }
            words.append(current)
            return words
        }
    }

    /// Every setting `mashd` has, in the order `config/mashd.yaml` lists them.
    public static let all: [Setting] = [
        text("databaseURL", \.databaseURL, reloadable: false, secret: true),
        text("host", \.host, reloadable: false),
        integer("port", \.port, 0...65_535, reloadable: false),
        integer("poolSize", \.poolSize, 1...1000, reloadable: false),
        integer("batchWriters", \.batchWriters, 1...64, reloadable: false),
        choice("logFormat", \.logFormat, reloadable: true),
        choice("logLevel", \.logLevel, reloadable: true),
        duration("gracePeriod", \.gracePeriod, reloadable: false),
        text("tls.certificate", \.tls.certificate, reloadable: false),
        text("tls.key", \.tls.key, reloadable: false),
        text("tls.clientCA", \.tls.clientCA, reloadable: false),
        integer("limits.bodyBytes", \.limits.bodyBytes, 1024...(64 << 20), reloadable: false),
        integer("limits.connections", \.limits.connections, 1...100_000, reloadable: false),
        integer("limits.agencyRequestsPerMinute", \.limits.agencyRequestsPerMinute, 1...1_000_000, reloadable: true),
        duration("limits.headerTimeout", \.limits.headerTimeout, reloadable: false),
        duration("limits.bodyTimeout", \.limits.bodyTimeout, reloadable: false),
    ]

    /// The setting for a key, if there is one.
    public static func named(_ key: String) -> Setting? { all.first { $0.key == key } }

    typealias Path<Value> = WritableKeyPath<DaemonConfiguration, Value> & Sendable

    static func text(_ key: String, _ path: Path<String>, reloadable: Bool) -> Setting {
        Setting(key: key, reloadable: reloadable, describe: { $0[keyPath: path] }) { configuration, value throws(SettingProblem) in
            guard !value.isEmpty else { throw SettingProblem(message: "must not be empty") }
            configuration[keyPath: path] = value
        }
    }

    static func text(_ key: String, _ path: Path<String?>, reloadable: Bool, secret: Bool = false) -> Setting {
        Setting(key: key, reloadable: reloadable, describe: { $0[keyPath: path].map { secret ? redacted($0) : $0 } }) { configuration, value throws(SettingProblem) in
            guard !value.isEmpty else { throw SettingProblem(message: "must not be empty") }
            configuration[keyPath: path] = value
        }
    }

    static func integer(_ key: String, _ path: Path<Int>, _ range: ClosedRange<Int>, reloadable: Bool) -> Setting {
        Setting(key: key, reloadable: reloadable, describe: { "\($0[keyPath: path])" }) { configuration, value throws(SettingProblem) in
            guard let number = Int(value), range.contains(number) else {
                throw SettingProblem(message: "must be a whole number from \(range.lowerBound) to \(range.upperBound), not \"\(value)\"")
            }
            configuration[keyPath: path] = number
        }
    }

    static func duration(_ key: String, _ path: Path<Duration>, reloadable: Bool) -> Setting {
        Setting(key: key, reloadable: reloadable, describe: { SettingDuration.format($0[keyPath: path]) }) { configuration, value throws(SettingProblem) in
            guard let duration = SettingDuration.parse(value) else {
                throw SettingProblem(message: "must be a duration such as 30s, 5m or 1h, not \"\(value)\"")
            }
            configuration[keyPath: path] = duration
        }
    }

    static func choice<Choice: RawRepresentable & CaseIterable & Sendable>(
        _ key: String, _ path: Path<Choice>, reloadable: Bool
    ) -> Setting where Choice.RawValue == String {
        Setting(key: key, reloadable: reloadable, describe: { $0[keyPath: path].rawValue }) { configuration, value throws(SettingProblem) in
            guard let choice = Choice(rawValue: value) else {
                let names = Choice.allCases.map(\.rawValue).joined(separator: ", ")
                throw SettingProblem(message: "must be one of \(names), not \"\(value)\"")
            }
            configuration[keyPath: path] = choice
        }
    }

    /// A connection string with its password, if any, replaced by `***`.
    static func redacted(_ connection: String) -> String {
        connection
            .replacing(/password\s*=\s*('(?:[^'\\]|\\.)*'|\S+)/, with: "password=***")
            .replacing(/(:\/\/[^:\/@]*):[^@\/]*@/) { "\($0.output.1):***@" }
    }
}
