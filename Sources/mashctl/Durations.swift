import ArgumentParser
import Foundation
import MashDomain

/// A length of time written as a number and a unit: `30s`, `90m`, `36h`, `5d`, `12w`.
struct DurationArgument: ExpressibleByArgument {
    let duration: Duration

    init?(argument: String) {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800]
        guard let unit = argument.last.flatMap({ units[$0] }), let count = Int64(argument.dropLast()), count > 0 else { return nil }
        duration = .seconds(count * unit)
    }

    static var defaultCompletionKind: CompletionKind { .default }
}

/// When a token stops working: a duration from now (`90d`) or an RFC 3339 time.
struct ExpiryArgument: ExpressibleByArgument {
    let date: Date

    init?(argument: String) {
        if let duration = DurationArgument(argument: argument)?.duration {
            date = Date().addingTimeInterval(TimeInterval(duration.components.seconds))
        } else if let date = RFC3339.parse(argument) {
            self.date = date
        } else {
            return nil
        }
    }
}

extension Duration {
    /// `5d`, `36h`, `90m` or `30s`: the largest unit that divides it exactly.
    var compactDescription: String {
        let seconds = components.seconds
        for (unit, size) in [("d", Int64(86_400)), ("h", 3600), ("m", 60)] where seconds % size == 0 {
            return "\(seconds / size)\(unit)"
        }
        return "\(seconds)s"
    }
}
