import Logging
import MashStore
import Metrics
import Postgres
import ServiceLifecycle

/// The daemon's own periodic work. Every daemon records each inbox's counts as
/// gauges every ten seconds (`mash_inbox_open`, `mash_inbox_overdue`,
/// `mash_inbox_undelivered`, `mash_inbox_oldest_seconds`, by hub), so that any of them can be scraped. The
/// rest runs only on the daemon that holds the leadership lock, one at a time
/// across all daemons on the database:
/// - every second, expired leases end, so that an abandoned referral is offered
///   again within a second or so of its lease ending;
/// - every ten seconds, referrals past their hub's delivery window are marked
///   undelivered, and referrals past their deadline are escalated (the deadline
///   watch: within 60 s of the deadline, with leadership changes included).
/// Retention is not among them: it deletes referrals, which the daemon's
/// database role may not, so `mash-retention.timer` runs `mashctl retention run`
/// as the ops role (one run at a time, by its own advisory lock).
/// Each statement is also safe to run on two daemons at once (row locks, SKIP
/// LOCKED), which is what happens for a moment when leadership changes hands.
struct PeriodicWorkService: Service {
    let store: Store
    let leadership: SessionLock
    let health: DaemonHealth
    let logger: Logger
    var tick: Duration = .seconds(1)
    var slowRoundEvery = 10

    /// The leadership lock's key: "mashlead" as 8 bytes' worth of ASCII, different
    /// from the audit chain's lock.
    static let leadershipKey = 0x6D61_7368_6C65_6164

    func run() async throws {
        var round = 0
        var leading = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let slowRound = round % slowRoundEvery == 0
            do {
                if leadership.isHeld != leading {
                    leading = leadership.isHeld
                    logger.notice(leading ? "leading periodic work" : "no longer leading periodic work")
                }
                if leading { try await leaderRound(slow: slowRound) }
                if slowRound { try await recordInboxGauges() }
                health.periodicWorkRan()
            } catch {
                logger.warning("periodic work failed; will try again", metadata: ["error": "\(error)"])
            }
            round += 1
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: tick) }
        }
    }

    private func leaderRound(slow: Bool) async throws {
        let expired = try await store.expireLeases()
        if expired > 0 { logger.info("leases expired", metadata: ["count": "\(expired)"]) }
        guard slow else { return }
        let undelivered = try await store.markUndelivered()
        if undelivered > 0 { logger.warning("referrals undelivered: delivery window passed", metadata: ["count": "\(undelivered)"]) }
        for escalation in try await store.escalateOverdue() {
            Counter(label: "mash_referrals_escalated_total", dimensions: [("hub", escalation.hub), ("rag", escalation.rag)]).increment()
            logger.warning("referral overdue: escalated", metadata: [
                "referral": "\(escalation.referralID)", "hub": "\(escalation.hub)", "rag": "\(escalation.rag)",
            ])
        }
    }

    private func recordInboxGauges() async throws {
        for inbox in try await store.inboxCounts() {
            let hub = [("hub", inbox.hub)]
            Gauge(label: "mash_inbox_open", dimensions: hub).record(inbox.open)
            Gauge(label: "mash_inbox_overdue", dimensions: hub).record(inbox.overdue)
            Gauge(label: "mash_inbox_undelivered", dimensions: hub).record(inbox.undelivered)
            Gauge(label: "mash_inbox_oldest_seconds", dimensions: hub).record(inbox.oldestSeconds)
        }
    }
}
