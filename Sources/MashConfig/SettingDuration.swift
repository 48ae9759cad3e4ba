/// A length of time as configuration writes it: a whole number and a unit,
/// `30s`, `90m`, `36h`, `5d`, `12w` or `7y` (a year counted as 365 days).
public enum SettingDuration {
    static let unitSeconds: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800, "y": 31_536_000]

    /// The duration `text` names, or nil when it is not one (zero is not one either).
    public static func parse(_ text: String) -> Duration? {
        guard let unit = text.last.flatMap({ unitSeconds[$0] }), let count = Int64(text.dropLast()), count > 0,
              count <= Int64.max / unit else { return nil }
        return .seconds(count * unit)
    }

    /// `5d`, `36h`, `90m` or `30s`: the largest unit up to days that divides it exactly.
    public static func format(_ duration: Duration) -> String {
        let seconds = duration.components.seconds
        for (unit, size) in [("d", Int64(86_400)), ("h", 3600), ("m", 60)] where seconds % size == 0 {
            return "\(seconds / size)\(unit)"
        }
        return "\(seconds)s"
    }
}
