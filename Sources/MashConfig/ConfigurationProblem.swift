/// Where a setting's value came from, so that a problem can point at it.
public enum SettingOrigin: Sendable, Equatable, CustomStringConvertible {
    /// A line of the configuration file.
    case file(path: String, line: Int)
    /// A `MASH_*` environment variable.
    case environment(String)
    /// A command-line flag.
    case flag(String)

    public var description: String {
        switch self {
        case .file(let path, let line): "\(path):\(line)"
        case .environment(let name): name
        case .flag(let name): name
        }
    }
}

/// One thing wrong with the configuration: where, which key, and what.
public struct ConfigurationProblem: Sendable, Equatable, CustomStringConvertible {
    public let origin: SettingOrigin?
    public let key: String?
    public let message: String

    public init(origin: SettingOrigin?, key: String?, message: String) {
        self.origin = origin
        self.key = key
        self.message = message
    }

    public var description: String {
        [origin.map { "\($0)" }, key].compactMap { $0 }.joined(separator: ": ")
            + (origin == nil && key == nil ? "" : ": ") + message
    }
}

/// Every problem found in a configuration, not just the first.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public let problems: [ConfigurationProblem]

    public var description: String {
        "the configuration has \(problems.count) problem\(problems.count == 1 ? "" : "s"):\n"
            + problems.map { "  \($0)" }.joined(separator: "\n")
    }
}
