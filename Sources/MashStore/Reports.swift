import Foundation
import MashReport
import Postgres

extension Store {
    /// The referrals received in [from, to), as the performance report counts them.
    /// A re-referral is one whose children had a referral within the 12 months
    /// before it arrived, as intake found their history.
    public func reportReferrals(from: Date, to: Date) async throws -> [ReportReferral] {
        try await run { connection in
            try connection.query("""
                SELECT hub_id, agency_id, received_at, deadline, decided_at, outcome,
                       jsonb_array_length(warnings) AS warnings,
                       coalesce(last_referred_at >= received_at - interval '12 months', false) AS re_referral,
                       (SELECT coalesce(jsonb_agg(DISTINCT c ->> 'category'), '[]') FROM json_array_elements(document -> 'concerns') c)::text AS categories
                FROM referrals WHERE received_at >= $1 AND received_at < $2
                """, [from, to]
            ).map { row in
                ReportReferral(
                    hub: try row.decode(String.self, "hub_id"), agency: try row.require(String.self, "agency_id"),
                    categories: try JSONDecoder().decode([String].self, from: Data(try row.require(String.self, "categories").utf8)),
                    receivedAt: try row.require(Date.self, "received_at"), deadline: try row.decode(Date.self, "deadline"),
                    decidedAt: try row.decode(Date.self, "decided_at"), outcome: try row.decode(String.self, "outcome"),
                    warnings: try row.require(Int.self, "warnings"), isReReferral: try row.require(Bool.self, "re_referral"))
            }
        }
    }
}
