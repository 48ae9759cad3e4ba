import Foundation
import MashTesting

/// Agencies' systems as a fault test needs them: `count` clients posting new
/// referrals one after another until stopped, each retrying its current one
/// (same reference, so idempotent) until it is acknowledged. Records every
/// acknowledgement, every status seen and when the last 2xx came.
final class RetryingClients: Sendable {
    let acknowledged = Shared<[String: String]>([:])  // reference → id
    let statuses = Shared<[Int: Int]>([:])  // status → how many
    let lastAcknowledged = Shared<ContinuousClock.Instant?>(nil)
    private let stopping = Shared(false)

    /// Runs the clients against whatever `baseURL` returns at each attempt, until `stop()`.
    func run(count: Int, prefix: String, token: String, baseURL: @escaping @Sendable () -> URL) async {
        await withTaskGroup(of: Void.self) { group in
            for client in 0..<count {
                group.addTask { [self] in
                    var n = 0
                    while !stopping.withLock({ $0 }) {
                        let reference = "\(prefix)-\(client)-\(n)"
                        while true {
                            let url = baseURL().appendingPathComponent("v1/referrals")
                            let response = try? await HTTP.send("POST", url, token: token, body: Fixtures.referral(reference: reference))
                            if let response { statuses.withLock { $0[response.status, default: 0] += 1 } }
                            if let response, (200...201).contains(response.status), let id = response.json["id"] as? String {
                                acknowledged.withLock { $0[reference] = id }
                                lastAcknowledged.withLock { $0 = .now }
                                break
                            }
                            // A referral begun must be finished, stopping or not: only then is "every
                            // acknowledged one stored" the whole story.
                            try? await Task.sleep(for: .milliseconds(50))
                        }
                        n += 1
                    }
                }
            }
        }
    }

    func stop() { stopping.withLock { $0 = true } }

    /// Waits until a 2xx arrives after `instant`, up to `limit`; returns how long it took.
    func firstAcknowledgement(after instant: ContinuousClock.Instant, within limit: Duration) async throws -> Duration? {
        while ContinuousClock.now - instant < limit {
            if let last = lastAcknowledged.withLock({ $0 }), last > instant { return last - instant }
            try await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }
}
