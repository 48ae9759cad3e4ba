import Foundation
import Yams

/// The `retention:` section of mashd's configuration file, as mashd reads it: each
/// key with its value's text. (mashd's configuration module will read this for
/// mashctl too; until then this is the one place mashctl reads the file.)
enum RetentionSettingsFile {
    static let defaultPath = "/etc/mash-broker/mashd.yaml"

    /// The settings in `path`, or in the default file when there is one; none
    /// without a file or a `retention:` section. An empty value (`quarantine:`)
    /// leaves the default, as mashd reads it.
    static func settings(path: String?) throws -> [String: String] {
        let file = path ?? defaultPath
        guard let data = FileManager.default.contents(atPath: file) else {
            if path == nil && !FileManager.default.fileExists(atPath: file) { return [:] }
            throw CommandFailure("cannot read the configuration file \(file)")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: String(decoding: data, as: UTF8.self))
        } catch {
            throw CommandFailure("\(file) is not valid YAML: \(error)")
        }
        guard let root else { return [:] }
        guard case .mapping(let settings) = root else { throw CommandFailure("\(file) must be a mapping of settings") }
        guard let section = settings["retention"] else { return [:] }
        guard case .mapping(let retention) = section else {
            throw CommandFailure("\(file):\((section.mark?.line).map(String.init) ?? "?"): retention must be a mapping of record types to periods")
        }
        var values: [String: String] = [:]
        for (key, value) in retention {
            guard case .scalar(let scalar) = value else {
                throw CommandFailure("\(file):\((key.mark?.line).map(String.init) ?? "?"): retention.\(key.string ?? "") must be a single value")
            }
            if !(scalar.string.isEmpty || scalar.string == "~" || scalar.string == "null") {
                values[key.string ?? ""] = scalar.string
            }
        }
        return values
    }
}
