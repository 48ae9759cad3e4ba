import Foundation
import MashDomain
import MashStore
import MashTriage

/// Triage run again from the command line, for `rules explain` and `show`: the
/// threshold document of a version, a stored referral read as intake read it.
enum TriageReplay {
    /// The engine for threshold `version` (nil: the one in use), with its number.
    static func engine(version: Int? = nil, store: Store) async throws -> (TriageEngine, Int) {
        guard let applied = try await store.thresholds(version: version) else {
            throw CommandFailure(version.map { "there is no threshold version \($0); `mashctl rules show` shows the one in use" }
                ?? "no threshold document has been applied yet; see `mashctl rules apply`")
        }
        let document = try ThresholdParser.parse(applied.document).mapError { error in
            CommandFailure("threshold version \(applied.version) no longer parses: \(error.problems.map(\.message).joined(separator: "; "))")
        }.get()
        return (TriageEngine(document: document), applied.version)
    }

    /// A stored referral as intake read it, with its updates taken in as of `at`.
    static func referral(_ stored: StoredReferral, at: Date) throws -> Referral {
        let id = stored.summary.id.uuidString.lowercased()
        let referral = try referral(Array(stored.document.utf8), receivedAt: stored.summary.receivedAt, agencyKind: stored.agencyKind, source: id)
        let updates = try stored.updates.map { document in
            try ReferralValidator().validateUpdate(Array(document.utf8), receivedAt: at).mapError { _ in
                CommandFailure("an update of \(id) no longer reads as valid")
            }.get()
        }
        return referral.updated(with: updates)
    }

    /// A referral document read as intake reads it; its problems, if any, fail the command.
    static func referral(_ body: [UInt8], receivedAt: Date, agencyKind: AgencyKind, source: String) throws -> Referral {
        switch ReferralValidator().validate(body, receivedAt: receivedAt, agencyKind: agencyKind) {
        case .success(let accepted): return accepted.referral
        case .failure(let rejection):
            throw CommandFailure("\(source) is not a valid referral: " + rejection.problems.map { "\($0.pointer): \($0.detail)" }.joined(separator: "; "))
        }
    }

    /// Each rule, modifier and routing step tried, whether it matched and why.
    static func trace(_ decision: TriageDecision) -> FieldValue {
        .list(decision.trace.map { step in
            Record([("kind", .text(step.kind.rawValue)), ("id", .text(step.id)), ("matched", .flag(step.matched)),
                    ("why", .text(step.reasons.joined(separator: "; ")))])
        })
    }
}
