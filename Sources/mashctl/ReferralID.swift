import ArgumentParser
import Foundation

/// A referral id given on the command line; anything else is a usage error.
struct ReferralID: ExpressibleByArgument {
    let uuid: UUID

    init?(argument: String) {
        guard let uuid = UUID(uuidString: argument) else { return nil }
        self.uuid = uuid
    }

    var text: String { uuid.uuidString.lowercased() }
}
