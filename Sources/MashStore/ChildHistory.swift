import Foundation
import MashDomain
import MashTriage
import Postgres

/// A child as history is matched: by NHS number; else by family name and date of
/// birth (and postcode, when both referrals give one); an unborn child by expected
/// due date with the same family name or postcode.
struct ChildKey: Sendable {
    let nhsNumber: String?
    let familyNameKey: String?
    let dateOfBirth: String?
    let expectedDueDate: String?
    let postcode: String?

    init(_ child: Child) {
        nhsNumber = child.nhsNumber?.description
        familyNameKey = child.familyName.map(Self.nameKey).flatMap { $0.isEmpty ? nil : $0 }
        dateOfBirth = child.dateOfBirth?.description
        expectedDueDate = child.expectedDueDate?.description
        postcode = child.postcode?.description
    }

    /// A child known only by NHS number.
    init(nhsNumber: String) {
        self.nhsNumber = nhsNumber
        familyNameKey = nil
        dateOfBirth = nil
        expectedDueDate = nil
        postcode = nil
    }

    /// A child as stored in `referral_children` (`columns`).
    init(row: PostgresRow) throws {
        nhsNumber = try row.decode(String.self, "nhs_number")
        familyNameKey = try row.decode(String.self, "family_name_key")
        dateOfBirth = try row.decode(String.self, "date_of_birth")
        expectedDueDate = try row.decode(String.self, "expected_due_date")
        postcode = try row.decode(String.self, "postcode")
    }

    static let columns = "nhs_number, family_name_key, date_of_birth::text AS date_of_birth, expected_due_date::text AS expected_due_date, postcode"

    /// The family name lower-cased, without spaces, hyphens or apostrophes:
    /// "O'Neill-Smith" and "oneill smith" are the same family.
    static func nameKey(_ name: String) -> String {
        String(name.lowercased().unicodeScalars.filter { !" -'’\t".unicodeScalars.contains($0) })
    }
}

extension Store {
    /// Statuses in which a referral is still with a hub: not decided or closed.
    /// A child named in one has an open case with that hub.
    static let openStatuses = ["queued", "leased", "in_review", "delivered", "undelivered"]

    /// `status IN ('queued', ...)`, the open statuses written out, for statements
    /// whose plans must see that they match a partial index's predicate (a bound
    /// array cannot show it, and left them scans of the whole table).
    static let isOpenSQL = "status IN (\(openStatuses.map { "'\($0)'" }.joined(separator: ", ")))"

    /// The most earlier referrals read per referral: more cannot change a
    /// decision (a document's `priorReferrals.atLeast` is at most 100), and it
    /// bounds the work for a child referred very many times.
    static let historyLimit = 100

    /// The history of each referral's children, from referrals already stored:
    /// one prepared statement for the whole batch. Each way of matching a child
    /// (`ChildMatch`) is its own branch, given only the children it applies to (as
    /// arrays, so the statement depends only on which ways the batch needs), and
    /// looks them up one at a time (LATERAL), so every branch uses its index and
    /// reads at most `historyLimit` referrals.
    /// With `before`, only referrals that arrived before then count; the referral
    /// `excluding` (the one being triaged again) never does.
    static func histories(
        of referrals: [Referral], before: Date? = nil, excluding: UUID? = nil, on connection: PostgresConnection
    ) throws -> [ReferralHistory] {
        try matchingReferrals(of: referrals.map { $0.children.map(ChildKey.init) }, before: before, on: connection).map { matches in
            let earlier = matches.filter { $0.key != excluding }.values.sorted { $0.receivedAt > $1.receivedAt }.prefix(historyLimit)
            let open = earlier.first { openStatuses.contains($0.status) && $0.hub != nil }
            return ReferralHistory(priorReferrals: earlier.map(\.receivedAt).reversed(), openCaseHub: open?.hub)
        }
    }

    /// For each group of children's keys, the stored referrals naming any of them (with
    /// `before`, only those that arrived before then), by id; at most
    /// `historyLimit` per child and way of matching, the latest.
    static func matchingReferrals(
        of groups: [[ChildKey]], before: Date?, on connection: PostgresConnection
    ) throws -> [[UUID: (receivedAt: Date, status: String, hub: String?)]] {
        var found = [[UUID: (receivedAt: Date, status: String, hub: String?)]](repeating: [:], count: groups.count)
        var children = [ChildColumns](repeating: ChildColumns(), count: ChildMatch.allCases.count)
        for (index, keys) in groups.enumerated() {
            for key in keys {
                for match in ChildMatch.allCases where match.applies(to: key) { children[match.rawValue].append(index, key) }
            }
        }
        let used = ChildMatch.allCases.filter { !children[$0.rawValue].isEmpty }
        guard !used.isEmpty else { return found }
        let matches = try connection.query(prepared: "mash_child_history_" + used.map { String($0.rawValue) }.joined(),
                                           historyStatement(used),
                                           used.flatMap { children[$0.rawValue].parameters } + [historyLimit, before])
        for row in matches {
            found[try row.require(Int.self, "idx")][try row.require(UUID.self, "id")] = (
                try row.require(Date.self, "received_at"), try row.require(String.self, "status"), try row.decode(String.self, "hub_id")
            )
        }
        return found
    }

    /// A branch for each way of matching `used`, each over its own six arrays
    /// (`ChildColumns`), then the limit and the time before which referrals count
    /// (null: any time). Only the ways the batch's children need are in it, since
    /// PostgreSQL sets up every branch of a statement each time it runs it, whether
    /// or not its arrays are empty: one statement is prepared for each combination.
    /// UNION ALL: an earlier referral found twice (it names two of the children)
    /// is counted once by `histories`, which keys what it finds by referral id.
    private static func historyStatement(_ used: [ChildMatch]) -> String {
        let limitParameter = used.count * 6 + 1, beforeParameter = limitParameter + 1
        return used.enumerated().map { branch, match in
            let first = branch * 6
            return """
                SELECT v.idx, x.id, x.received_at, x.status, x.hub_id
                FROM unnest($\(first + 1)::int[], $\(first + 2)::text[], $\(first + 3)::text[], $\(first + 4)::date[], $\(first + 5)::date[], $\(first + 6)::text[])
                     AS v (idx, nhs, family, dob, due, postcode)
                CROSS JOIN LATERAL (
                    SELECT r.id, r.received_at, r.status, r.hub_id
                    FROM referral_children rc JOIN referrals r ON r.id = rc.referral_id
                    WHERE \(match.condition) AND rc.received_at < coalesce($\(beforeParameter)::timestamptz, 'infinity')
                    ORDER BY rc.received_at DESC LIMIT $\(limitParameter)::int
                ) x
                """
        }.joined(separator: "\nUNION ALL\n")
    }
}

/// A way of matching a child to the children of earlier referrals, each read
/// through its own index of `referral_children`.
enum ChildMatch: Int, CaseIterable {
    /// By NHS number.
    case nhsNumber
    /// A child without an NHS number, by family name and date of birth.
    case nameWithoutNHSNumber
    /// A child with an NHS number, by family name and date of birth, only earlier
    /// records without one (those with one were matched by number).
    case nameWithNHSNumber
    /// An unborn child, by expected due date with the same family name or postcode.
    case dueDate

    func applies(to key: ChildKey) -> Bool {
        switch self {
        case .nhsNumber: key.nhsNumber != nil
        case .nameWithoutNHSNumber: key.nhsNumber == nil && key.familyNameKey != nil && key.dateOfBirth != nil
        case .nameWithNHSNumber: key.nhsNumber != nil && key.familyNameKey != nil && key.dateOfBirth != nil
        case .dueDate: key.expectedDueDate != nil
        }
    }

    /// The branch's condition on an earlier child `rc` and the child `v`.
    var condition: String {
        let sameHome = "(v.postcode IS NULL OR rc.postcode IS NULL OR rc.postcode = v.postcode)"
        return switch self {
        case .nhsNumber: "rc.nhs_number = v.nhs"
        case .nameWithoutNHSNumber: "rc.family_name_key = v.family AND rc.date_of_birth = v.dob AND \(sameHome)"
        case .nameWithNHSNumber: "rc.family_name_key = v.family AND rc.date_of_birth = v.dob AND rc.nhs_number IS NULL AND \(sameHome)"
        case .dueDate: "rc.expected_due_date = v.due AND (rc.family_name_key = v.family OR rc.postcode = v.postcode)"
        }
    }
}

/// Children as columns of arrays: the referral each belongs to and its keys.
struct ChildColumns {
    var owner: [String?] = [], nhs: [String?] = [], family: [String?] = [], birth: [String?] = [], due: [String?] = [], postcode: [String?] = []

    mutating func append(_ index: Int, _ key: ChildKey) {
        owner.append(String(index))
        nhs.append(key.nhsNumber)
        family.append(key.familyNameKey)
        birth.append(key.dateOfBirth)
        due.append(key.expectedDueDate)
        postcode.append(key.postcode)
    }

    var parameters: [(any PostgresEncodable)?] {
        [owner, nhs, family, birth, due, postcode].map { PostgresArray($0) }
    }
    var isEmpty: Bool { owner.isEmpty }
}

extension Store {
    /// The history of a referral's children as it stood at `before` (default:
    /// everything stored), leaving out the stored referral `excluding` itself, as
    /// `mashctl rules explain` shows it.
    public func history(of referral: Referral, before: Date? = nil, excluding: UUID? = nil) async throws -> ReferralHistory {
        try await run { try Self.histories(of: [referral], before: before, excluding: excluding, on: $0)[0] }
    }
}
