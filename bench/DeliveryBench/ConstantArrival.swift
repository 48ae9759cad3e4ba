import Foundation
import Synchronization

/// Referrals POSTed at a constant arrival rate, open loop: referral `i` is due at
/// `start + i / rate`. Each sender, a keep-alive connection on a thread of its
/// own, takes the next referral from the shared schedule, sleeps until it is due
/// and sends it; when every sender is busy the next one goes late, and its
/// latency, counted from when it was due, says so (no coordinated omission).
struct ConstantArrival: Sendable {
    let port: Int
    let token: String
    let referrals: Referrals
    let rate: Int
    let seconds: Int
    let connections: Int

    /// Connections enough for the rate to be kept while mashd answers slowly:
    /// at 2,000/s, 64 allow 32 ms each.
    static let defaultConnections = 64

    var total: Int { rate * seconds }

    /// One referral sent: when it was due, when it went, its status (nil: no
    /// answer, the connection failed) and when the answer came, in `now()`'s
    /// nanoseconds.
    struct Sent: Sendable {
        let reference: String
        let due: UInt64
        let began: UInt64
        let status: Int?
        let answered: UInt64
    }

    /// Sends all `total` referrals, the first due at `start`, and returns when
    /// they are answered; `sent` is told of each (from the senders' threads).
    /// A sender whose connection fails opens another; one that cannot stops,
    /// and the referral it held is told as unanswered.
    func run(start: UInt64, sent: @escaping @Sendable (Sent) -> Void) {
        let next = Atomic<Int>(0)
        onThreads(connections) { _ in
            var connection = try? HTTPConnection(port: port)
            while true {
                let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard index < total else { return }
                let due = start + UInt64(index) * 1_000_000_000 / UInt64(rate)
                let (reference, body) = referrals.referral(index)
                let current = now()
                if due > current { usleep(useconds_t((due - current) / 1_000)) }
                let began = now()
                if connection == nil { connection = try? HTTPConnection(port: port) }
                guard let open = connection else {
                    sent(Sent(reference: reference, due: due, began: began, status: nil, answered: now()))
                    return
                }
                let status = try? open.send("POST", "/v1/referrals", token: token, body: body).status
                if status == nil { connection = nil }
                sent(Sent(reference: reference, due: due, began: began, status: status, answered: now()))
            }
        }
    }
}
