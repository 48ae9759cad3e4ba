import Foundation
import Postgres
import Synchronization

/// Wakes lease requests waiting on an empty inbox as soon as a referral is
/// committed to it: at once for those waiting in this process, and through a
/// PostgreSQL NOTIFY on `channel` for those in other daemons, whose listeners hand
/// it to `received(_:)`.
///
/// Each hub has a generation, advanced by every signal. A waiter reads it before
/// it looks in the inbox and waits only while it is unchanged, so a referral
/// committed between the look and the wait is never missed.
///
/// A NOTIFY inside an intake transaction would serialise commits (measured: a
/// quarter of the throughput), so it is sent after the commit, on its own, and
/// coalesced: at most one per hub per `publishInterval`. The first signal after a
/// quiet spell is published at once; those that follow within the interval share
/// one NOTIFY at its end.
///
/// A NOTIFY is only worth sending when another daemon listens. A daemon greets the
/// others when it starts listening (`greet()`), and every other daemon answers
/// with its presence; each also announces its presence with every heartbeat
/// (`announce()`). Inbox NOTIFYs are sent only while another daemon has been
/// heard from within `peerTimeout`, so a daemon running alone sends none: at 200
/// referrals/s that saves it a quarter of its CPU per referral, and PostgreSQL a
/// seventh of its own (measured; docs/ARCHITECTURE.md).
public final class InboxSignals: Sendable {
    /// The notification channel; the payload is `payload(hub:origin:)`.
    public static let channel = "mash_inbox"

    /// A notification's payload: the hub, and who sent it (so a daemon ignores its own).
    static func payload(hub: String, origin: String) -> String { "\(hub) \(origin)" }
    /// Stand for the hub in a greeting (answered by every other daemon) and in a
    /// presence notification (not answered); no hub can be called either.
    static let greeting = "+", presence = "*"
    /// The shortest time between two NOTIFYs for one hub.
    public static let publishInterval: Duration = .milliseconds(5)

    /// The most lease requests that may wait at once in this process.
    public let maxWaiters: Int
    /// How long another daemon counts as present after it was last heard from.
    let peerTimeout: Duration
    /// Names this process in its NOTIFYs, so that it ignores its own.
    private let origin = UUID().uuidString.lowercased()
    private let publish: @Sendable (String) async -> Void
    private let state = Mutex(State())

    private struct State: ~Copyable {
        var generations: [String: UInt64] = [:]
        var waiters: [String: [Int: CheckedContinuation<Void, Never>]] = [:]
        /// Waiters cancelled before they were registered.
        var cancelled: Set<Int> = []
        var waiting = 0
        var lastWaiterID = 0
        var lastPublished: [String: ContinuousClock.Instant] = [:]
        var publishing: Set<String> = []
        /// Other daemons, by origin, and when each last announced itself.
        var peers: [String: ContinuousClock.Instant] = [:]

        /// Whether another daemon was heard from within `timeout`; forgets those that were not.
        mutating func hasPeers(at now: ContinuousClock.Instant, timeout: Duration) -> Bool {
            if peers.values.contains(where: { $0 + timeout <= now }) {
                peers = peers.filter { $0.value + timeout > now }
            }
            return !peers.isEmpty
        }
    }

    /// Signals published through `pool`. A NOTIFY that fails is not retried: the
    /// waiters' safety poll covers it.
    public convenience init(pool: ConnectionPool, maxWaiters: Int = 1_000) {
        self.init(maxWaiters: maxWaiters) { payload in
            _ = try? await pool.withConnection { try $0.query("SELECT pg_notify($1, $2)", [InboxSignals.channel, payload]) }
        }
    }

    /// `peerTimeout`: three of the heartbeats with which each daemon announces itself.
    init(maxWaiters: Int, peerTimeout: Duration = .seconds(30), publish: @escaping @Sendable (String) async -> Void) {
        self.maxWaiters = maxWaiters
        self.peerTimeout = peerTimeout
        self.publish = publish
    }

    /// The hub's generation: read it before looking in the inbox.
    public func generation(of hub: String) -> UInt64 {
        state.withLock { $0.generations[hub, default: 0] }
    }

    /// Waits until `hub`'s generation has moved past `seen`, or for `timeout`.
    /// Returns false at once, without waiting, when `maxWaiters` already wait.
    public func wait(hub: String, after seen: UInt64, timeout: Duration) async -> Bool {
        let id = state.withLock { state -> Int? in
            guard state.waiting < maxWaiters else { return nil }
            state.waiting += 1
            state.lastWaiterID += 1
            return state.lastWaiterID
        }
        guard let id else { return false }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.signal(of: hub, after: seen, waiter: id) }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
        state.withLock { state in
            state.waiting -= 1
            state.cancelled.remove(id)
        }
        return true
    }

    /// Returns when the hub is signalled, or when the task is cancelled.
    private func signal(of hub: String, after seen: UInt64, waiter id: Int) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state in
                    if state.cancelled.contains(id) || state.generations[hub, default: 0] != seen { return true }
                    state.waiters[hub, default: [:]][id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let continuation = state.withLock { state in
                guard let continuation = state.waiters[hub]?.removeValue(forKey: id) else {
                    state.cancelled.insert(id)
                    return CheckedContinuation<Void, Never>?.none
                }
                return continuation
            }
            continuation?.resume()
        }
    }

    /// Referrals were committed to these hubs' inboxes (or came back to them),
    /// this many to each: wakes as many of each hub's waiters here and tells the
    /// other daemons, if any is there.
    public func committed(_ arrivals: [String: Int]) {
        guard !arrivals.isEmpty else { return }
        wake(arrivals.mapValues { Optional($0) })
        guard state.withLock({ $0.hasPeers(at: .now, timeout: peerTimeout) }) else { return }
        for hub in arrivals.keys { schedulePublish(hub) }
    }

    /// Tells the other daemons that this one is there and asks them to say the
    /// same, so that each side sends the other its inbox notifications: for when
    /// this daemon's listener has just started listening.
    public func greet() async {
        await publish(Self.payload(hub: Self.greeting, origin: origin))
    }

    /// Tells the other daemons that this one is still there: with every heartbeat.
    public func announce() async {
        await publish(Self.payload(hub: Self.presence, origin: origin))
    }

    /// A notification from `channel`, unless this process sent it: another
    /// daemon's greeting (answered) or presence, or a hub's arrivals, which wake
    /// all its waiters (the count is not sent).
    public func received(_ payload: String) {
        let parts = payload.split(separator: " ")
        guard parts.count == 2, parts[1] != origin else { return }
        let topic = String(parts[0])
        guard topic == Self.greeting || topic == Self.presence else { return wake([topic: nil]) }
        state.withLock { $0.peers[String(parts[1])] = .now }
        if topic == Self.greeting { Task { await announce() } }
    }

    /// Wakes every waiter, for when notifications may have been missed (the
    /// listener reconnected).
    public func wakeAll() {
        wake(state.withLock { Dictionary(uniqueKeysWithValues: $0.waiters.keys.map { ($0, Int?.none) }) })
    }

    /// Advances each hub's generation and wakes that many of its waiters, the
    /// longest waiting first (every one for nil): one consumer per referral that
    /// arrived, rather than a herd of which all look and all but one find nothing.
    /// Those left asleep see the new generation if they look again.
    private func wake(_ arrivals: [String: Int?]) {
        let woken = state.withLock { state in
            arrivals.flatMap { hub, count -> [CheckedContinuation<Void, Never>] in
                state.generations[hub, default: 0] &+= 1
                guard var waiting = state.waiters.removeValue(forKey: hub) else { return [] }
                let chosen = count.map { Array(waiting.keys.sorted().prefix($0)) } ?? Array(waiting.keys)
                let continuations = chosen.compactMap { waiting.removeValue(forKey: $0) }
                if !waiting.isEmpty { state.waiters[hub] = waiting }
                return continuations
            }
        }
        for continuation in woken { continuation.resume() }
    }

    private func schedulePublish(_ hub: String) {
        let now = ContinuousClock.now
        let delay = state.withLock { state -> Duration? in
            guard state.publishing.insert(hub).inserted else { return nil }
            guard let last = state.lastPublished[hub], last + Self.publishInterval > now else { return .zero }
            return last + Self.publishInterval - now
        }
        guard let delay else { return }
        Task {
            if delay > .zero { try? await Task.sleep(for: delay) }
            state.withLock { state in
                state.publishing.remove(hub)
                state.lastPublished[hub] = .now
            }
            await publish(Self.payload(hub: hub, origin: origin))
        }
    }
}
