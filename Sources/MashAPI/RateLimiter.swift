import Hummingbird
import Synchronization

/// Per-agency request rates: a token bucket per agency holding up to a minute's
/// allowance, refilled continuously. An agency over its rate gets 429 with
/// `Retry-After`; other agencies are not affected. The rate can change while the
/// daemon runs (SIGHUP). Hub systems are not limited: their requests drain
/// inboxes, and a long-polling lease already paces them.
public final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private struct State {
        var perMinute: Int
        var buckets: [String: Bucket] = [:]
    }

    private let state: Mutex<State>
    private let capacity = 100_000

    public init(perMinute: Int) {
        state = Mutex(State(perMinute: perMinute))
    }

    /// Changes the rate for every agency from now on.
    public func update(perMinute: Int) {
        state.withLock { $0.perMinute = perMinute }
    }

    /// Takes one request from the agency's allowance: nil when allowed, else the
    /// whole seconds until the next request would be.
    func admit(_ agency: String, now: ContinuousClock.Instant = .now) -> Int? {
        state.withLock { state in
            let rate = Double(state.perMinute) / 60  // per second
            let full = Double(state.perMinute)
            if state.buckets.count >= capacity { state.buckets.removeAll(keepingCapacity: true) }
            var bucket = state.buckets[agency] ?? Bucket(tokens: full, updated: now)
            let elapsed = now - bucket.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(full, bucket.tokens + seconds * rate)
            bucket.updated = now
            defer { state.buckets[agency] = bucket }
            guard bucket.tokens >= 1 else {
                return max(1, Int(((1 - bucket.tokens) / rate).rounded(.up)))
            }
            bucket.tokens -= 1
            return nil
        }
    }
}

/// Answers 429 with `Retry-After` when the authenticated agency is over its rate.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = MashRequestContext
    let limiter: RateLimiter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if case .agency(let id, _, _) = context.principal, let wait = limiter.admit(id) {
            throw Problem.tooManyRequests(retryAfter: wait)
        }
        return try await next(request, context)
    }
}
