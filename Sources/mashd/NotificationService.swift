import Logging
import MashStore
import Postgres
import ServiceLifecycle

/// The daemon's one listening connection (LISTEN/NOTIFY), fanned out in-process:
/// a new threshold version is loaded; a referral committed to a hub by another
/// daemon wakes the lease requests waiting on that hub here. After every
/// (re)connection, when notifications may have been missed, both are done for
/// everything, and the other daemons are greeted (`InboxSignals.greet()`).
struct NotificationService: Service {
    let listener: PostgresListener
    let thresholds: ThresholdsLoader
    let signals: InboxSignals

    static let channels = [Store.thresholdsChannel, InboxSignals.channel]

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await listener.run() }
                for await event in listener.events {
                    guard !Task.isCancelled else { break }
                    switch event {
                    case .listening:
                        signals.wakeAll()
                        await signals.greet()
                        await thresholds.loadLatest()
                    case .notification(let notification) where notification.channel == InboxSignals.channel:
                        signals.received(notification.payload)
                    case .notification:
                        await thresholds.loadLatest()
                    }
                }
                group.cancelAll()
            }
        }
    }
}
