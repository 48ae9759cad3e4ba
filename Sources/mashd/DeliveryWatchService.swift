import Logging
import MashStore
import Metrics
import ServiceLifecycle

/// The daemon's own part in delivery: ends expired leases every second, so that
/// an abandoned referral is offered again within a second or so of its lease
/// ending, and every ten seconds marks referrals past their hub's delivery window
/// undelivered and records each inbox's counts as gauges (`mash_inbox_open`,
/// `mash_inbox_overdue`, `mash_inbox_undelivered`, by hub). Several daemons may
/// run it at once: each statement locks the rows it changes and skips those
/// another is changing.
struct DeliveryWatchService: Service {
    let store: Store
    let logger: Logger
    var leaseInterval: Duration = .seconds(1)
    var windowEvery = 10

    func run() async throws {
        var round = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let expired = try await store.expireLeases()
                if expired > 0 { logger.info("leases expired", metadata: ["count": "\(expired)"]) }
                if round % windowEvery == 0 {
                    let undelivered = try await store.markUndelivered()
                    if undelivered > 0 { logger.warning("referrals undelivered: delivery window passed", metadata: ["count": "\(undelivered)"]) }
                    for inbox in try await store.inboxCounts() {
                        let hub = [("hub", inbox.hub)]
                        Gauge(label: "mash_inbox_open", dimensions: hub).record(inbox.open)
                        Gauge(label: "mash_inbox_overdue", dimensions: hub).record(inbox.overdue)
                        Gauge(label: "mash_inbox_undelivered", dimensions: hub).record(inbox.undelivered)
                    }
                }
            } catch {
                logger.warning("delivery watch failed; will try again", metadata: ["error": "\(error)"])
            }
            round += 1
            try? await gracefulShutdownSleep(for: leaseInterval)
        }
    }

    private func gracefulShutdownSleep(for duration: Duration) async throws {
        try await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
    }
}
