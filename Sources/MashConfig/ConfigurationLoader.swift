import Foundation
import MashYAML
import Yams

/// Reads `mashd`'s configuration from its three sources, each overriding the one
/// before: the YAML file, `MASH_*` environment variables, and flags. Every
/// problem in any of them is collected before one error reports them all.
public struct ConfigurationLoader: Sendable {
    /// The file read when `--config` is not given; its absence is not an error.
    public static let defaultPath = "/etc/mash-broker/mashd.yaml"

    /// The file named by `--config`, or nil for the default.
    public var path: String?
    public var environment: [String: String]
    /// Flag values by setting key (`"tls.clientCA": "/etc/..."`), as parsed.
    public var flags: [String: String]

    public init(path: String?, environment: [String: String], flags: [String: String]) {
        self.path = path
        self.environment = environment
        self.flags = flags
    }

    /// The configuration, or every problem found in it.
    public func load() throws(ConfigurationError) -> DaemonConfiguration {
        var problems: [ConfigurationProblem] = []
        var values = fileValues(problems: &problems)
        for setting in Setting.all {
            if let value = environment[setting.environmentName] {
                values[setting.key] = (value, .environment(setting.environmentName))
            }
            if let value = flags[setting.key] {
                values[setting.key] = (value, .flag(setting.flagName))
            }
        }
        for (name, value) in environment where name.hasPrefix(Self.retentionPrefix) {
            values["retention." + Self.retentionKey(environmentName: name)] = (value, .environment(name))
        }

        var configuration = DaemonConfiguration()
        var retention: [String: String] = [:]
        for (key, (value, origin)) in values.sorted(by: { $0.key < $1.key }) {
            if key.hasPrefix("retention.") {
                retention[String(key.dropFirst("retention.".count))] = value
            } else if let setting = Setting.named(key) {
                do {
                    try setting.apply(&configuration, value)
                } catch {
                    problems.append(ConfigurationProblem(origin: origin, key: key, message: error.message))
                }
            } else {
                problems.append(ConfigurationProblem(origin: origin, key: key, message: "is not a setting mashd has"))
            }
        }
        do {
            configuration.retention = try RetentionPolicy(settings: retention)
        } catch {
            for problem in error.problems {
                let key = "retention." + problem.key
                problems.append(ConfigurationProblem(origin: values[key]?.1, key: key, message: problem.message))
            }
        }
        problems += Self.consistencyProblems(configuration)
        guard problems.isEmpty else { throw ConfigurationError(problems: problems) }
        return configuration
    }

    /// Settings that are each fine but do not go together.
    static func consistencyProblems(_ configuration: DaemonConfiguration) -> [ConfigurationProblem] {
        let tls = configuration.tls
        var problems: [ConfigurationProblem] = []
        if (tls.certificate == nil) != (tls.key == nil) {
            problems.append(ConfigurationProblem(origin: nil, key: "tls", message: "tls.certificate and tls.key go together: give both or neither"))
        }
        if tls.clientCA != nil && tls.certificate == nil {
            problems.append(ConfigurationProblem(origin: nil, key: "tls.clientCA", message: "client certificates need HTTPS: give tls.certificate and tls.key too"))
        }
        return problems
    }

    /// The sections of the file: `tls`, `limits`, `retention`.
    static let sections = Set(Setting.all.compactMap { $0.key.split(separator: ".").dropLast().first.map(String.init) } + ["retention"])

    static let retentionPrefix = "MASH_RETENTION_"

    /// `MASH_RETENTION_NFA_REFERRALS` names the key `nfaReferrals`.
    static func retentionKey(environmentName: String) -> String {
        let words = environmentName.dropFirst(retentionPrefix.count).split(separator: "_").map { $0.lowercased() }
        return (words.first ?? "") + words.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    /// The file's settings as dotted keys with their lines: nested mappings give
    /// `tls.certificate`. A missing default file gives none; a missing named file
    /// or a file that is not a mapping of settings is a problem.
    func fileValues(problems: inout [ConfigurationProblem]) -> [String: (String, SettingOrigin)] {
        let path = path ?? Self.defaultPath
        guard let data = FileManager.default.contents(atPath: path) else {
            if self.path != nil || FileManager.default.fileExists(atPath: path) {
                problems.append(ConfigurationProblem(origin: nil, key: nil, message: "cannot read the configuration file \(path)"))
            }
            return [:]
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: String(decoding: data, as: UTF8.self))
        } catch {
            problems.append(ConfigurationProblem(origin: .file(path: path, line: (error as? YamlError)?.line ?? 1), key: nil, message: "is not valid YAML"))
            return [:]
        }
        var values: [String: (String, SettingOrigin)] = [:]
        func walk(_ node: Node, prefix: String) {
            guard case .mapping(let mapping) = node else {
                problems.append(ConfigurationProblem(
                    origin: .file(path: path, line: node.mark?.line ?? 1), key: prefix.isEmpty ? nil : prefix,
                    message: prefix.isEmpty ? "the file must be a mapping of settings" : "must be a mapping of settings"
                ))
                return
            }
            for (keyNode, value) in mapping {
                let key = prefix.isEmpty ? (keyNode.string ?? "") : prefix + "." + (keyNode.string ?? "")
                let origin = SettingOrigin.file(path: path, line: keyNode.mark?.line ?? 1)
                switch value {
                case .mapping:
                    walk(value, prefix: key)
                case _ where Self.sections.contains(key):
                    problems.append(ConfigurationProblem(origin: origin, key: key, message: "must be a mapping of settings"))
                case .scalar(let scalar):
                    // An empty value (`key:`) leaves the default, as if the key were absent.
                    if !(scalar.string.isEmpty || scalar.string == "~" || scalar.string == "null") {
                        values[key] = (scalar.string, origin)
                    }
                default:
                    problems.append(ConfigurationProblem(origin: origin, key: key, message: "must be a single value"))
                }
            }
        }
        if let root { walk(root, prefix: "") }
        return values
    }
}
