import ArgumentParser
import Foundation
import MashConfig
import MashDomain

/// A length of time written as a number and a unit, as mashd's configuration
/// writes it (`SettingDuration`): `30s`, `90m`, `36h`, `5d`, `12w`, `1y`.
struct DurationArgument: ExpressibleByArgument {
    let duration: Duration

    init?(argument: String) {
        guard let duration = SettingDuration.parse(argument) else { return nil }
        self.duration = duration
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
    var compactDescription: String { SettingDuration.format(self) }
}
