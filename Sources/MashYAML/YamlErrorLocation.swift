import Yams

extension YamlError {
    /// The line a YAML error points at, as Yams counts them (from 1); 1 when it points at none.
    public var line: Int {
        switch self {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
        case .duplicatedKeysInMapping(_, let context): context.mark.line
        default: 1
        }
    }

    /// What is wrong, in Yams's words, without its copy of the offending text.
    public var problem: String {
        switch self {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _): problem
        case .duplicatedKeysInMapping(let duplicates, _): "duplicate keys: \(duplicates.joined(separator: ", "))"
        default: "\(self)"
        }
    }
}
