import ArgumentParser
import Foundation
import MashDomain
import MashTriage

// Values mashctl reads from its command line; anything else is a usage error.

extension RAG: ExpressibleByArgument {}
extension ScreeningOutcome: ExpressibleByArgument {}

/// A referral id.
struct ReferralID: ExpressibleByArgument {
    let uuid: UUID

    init?(argument: String) {
        guard let uuid = UUID(uuidString: argument) else { return nil }
        self.uuid = uuid
    }

    var text: String { uuid.uuidString.lowercased() }
}

/// A time on the command line: a date (midnight UTC) or an RFC 3339 time.
struct TimeArgument: ExpressibleByArgument {
    let date: Date

    init?(argument: String) {
        if let time = RFC3339.parse(argument) {
            date = time
        } else if let time = RFC3339.parse(argument + "T00:00:00Z") {
            date = time
        } else {
            return nil
        }
    }
}

extension NHSNumber: ExpressibleByArgument {
    /// Ten digits (spaces allowed) with a valid check digit.
    public init?(argument: String) { self.init(argument) }
}
