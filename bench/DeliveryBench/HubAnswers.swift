import MashDomain

/// What a consumer reads from mashd's answers, and the acks body it sends.
///
/// Read with mashd's own JSON parser rather than Foundation's JSONSerialization,
/// whose bridging to `[String: Any]` made the generator itself take a fifth of
/// this 2-core machine at 2,000 referrals/s, CPU that the daemon it measures
/// then lacked (docs/BENCHMARKS.md).
enum HubAnswers {
    /// One lease of a `POST .../leases` answer.
    struct Lease {
        let leaseID: String
        let expiresAt: String
        let referralID: String
        /// The document's own `reference`, by which the generator knows its referral.
        let reference: String?
    }

    /// The leases of a `POST .../leases` answer; nil when it is not one.
    static func leases(_ body: [UInt8]) -> [Lease]? {
        guard case .object(let answer)? = try? parser.parse(body), case .array(let leases)? = answer["leases"] else { return nil }
        var read: [Lease] = []
        for case .object(let lease) in leases {
            guard case .string(let leaseID)? = lease["leaseId"], case .string(let expiresAt)? = lease["leaseExpiresAt"],
                  case .object(let referral)? = lease["referral"], case .string(let referralID)? = referral["id"]
            else { return nil }
            var reference: String?
            if case .object(let document)? = referral["document"], case .string(let text)? = document["reference"] { reference = text }
            read.append(Lease(leaseID: leaseID, expiresAt: expiresAt, referralID: referralID, reference: reference))
        }
        return read.count == leases.count ? read : nil
    }

    /// The body of `POST .../acks` for these leases.
    static func acks(_ leaseIDs: [String]) -> [UInt8] {
        Array(#"{"leaseIds":["#.utf8) + Array(leaseIDs.map(JSONString.quoted).joined(separator: ",").utf8) + Array("]}".utf8)
    }

    /// How many of the leases a `POST .../acks` answer says were acknowledged (status 204).
    static func acknowledged(_ body: [UInt8]) -> Int {
        guard case .object(let answer)? = try? parser.parse(body), case .array(let results)? = answer["results"] else { return 0 }
        return results.filter { result in
            guard case .object(let result) = result, case .number(let status)? = result["status"] else { return false }
            return status == "204"
        }.count
    }

    /// Deep enough for a lease's referral document and its updates.
    private static let parser = JSONParser(maxDepth: 64)
}
