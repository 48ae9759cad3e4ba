@testable import MashStore
import MashTesting
import Testing

/// Waking waiting lease requests, on its own: the publish function stands in for
/// NOTIFY and records what it would send.
@Suite("Inbox signals")
struct InboxSignalsTests {
    /// The signals, and the payloads they published, in order.
    func signals(maxWaiters: Int = 10, peerTimeout: Duration = .seconds(30)) -> (InboxSignals, Shared<[String]>) {
        let published = Shared<[String]>([])
        return (InboxSignals(maxWaiters: maxWaiters, peerTimeout: peerTimeout) { payload in published.withLock { $0.append(payload) } }, published)
    }

    @Test func aWaiterIsWokenByItsOwnHubOnly() async throws {
        let (signals, _) = signals()
        let seen = signals.generation(of: "lado")
        let woken = ContinuousClock.now
        async let waited = signals.wait(hub: "lado", after: seen, timeout: .seconds(20))
        try await Task.sleep(for: .milliseconds(100))
        signals.committed(["edt": 1])
        try await Task.sleep(for: .milliseconds(100))
        signals.committed(["lado": 1])
        #expect(await waited)
        let elapsed = ContinuousClock.now - woken
        #expect(elapsed >= .milliseconds(200) && elapsed < .seconds(10), "woken by lado's signal, not edt's: \(elapsed)")
    }

    @Test func oneWaiterWakesPerArrivalTheLongestWaitingFirst() async throws {
        let (signals, _) = signals()
        let order = Shared<[String]>([])  // which waiters woke
        let seen = signals.generation(of: "lado")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for waiter in 0..<3 {
                group.addTask {
                    _ = await signals.wait(hub: "lado", after: seen, timeout: .seconds(3))
                    order.withLock { $0.append(String(waiter)) }
                }
                try await Task.sleep(for: .milliseconds(50))  // waiter 0 waits longest
            }
            signals.committed(["lado": 2])
            // Up to 2 s for the two to run (a loaded machine is slow to schedule them),
            // well before the third's 3 s timeout.
            let patience = ContinuousClock.now + .seconds(2)
            while order.withLock({ $0 }).count < 2 && ContinuousClock.now < patience { try await Task.sleep(for: .milliseconds(20)) }
            #expect(Set(order.withLock { $0 }) == ["0", "1"], "two arrived: two woken, the two waiting longest")
            try await group.waitForAll()
        }
        #expect(order.withLock { $0 }.last == "2", "the third slept on to its timeout")
        // A notification from another daemon does not say how many: everyone wakes.
        let fresh = signals.generation(of: "edt")
        async let first = signals.wait(hub: "edt", after: fresh, timeout: .seconds(20))
        async let second = signals.wait(hub: "edt", after: fresh, timeout: .seconds(20))
        try await Task.sleep(for: .milliseconds(100))
        let started = ContinuousClock.now
        signals.received("edt another-daemon")
        _ = await (first, second)
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func aSignalBetweenLookingAndWaitingIsNotMissed() async {
        let (signals, _) = signals()
        let seen = signals.generation(of: "lado")
        signals.committed(["lado": 1])  // the referral lands after the look, before the wait
        let started = ContinuousClock.now
        #expect(await signals.wait(hub: "lado", after: seen, timeout: .seconds(20)))
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func aWaitEndsAtItsTimeoutWhenNothingComes() async {
        let (signals, _) = signals()
        let started = ContinuousClock.now
        #expect(await signals.wait(hub: "lado", after: signals.generation(of: "lado"), timeout: .milliseconds(300)))
        let elapsed = ContinuousClock.now - started
        #expect(elapsed >= .milliseconds(300) && elapsed < .seconds(10))
    }

    @Test func waitersAreBounded() async throws {
        let (signals, _) = signals(maxWaiters: 1)
        async let first = signals.wait(hub: "lado", after: signals.generation(of: "lado"), timeout: .seconds(20))
        try await Task.sleep(for: .milliseconds(100))
        #expect(await signals.wait(hub: "edt", after: signals.generation(of: "edt"), timeout: .seconds(20)) == false, "refused at once")
        signals.committed(["lado": 1])
        #expect(await first)
        #expect(await signals.wait(hub: "edt", after: signals.generation(of: "edt"), timeout: .milliseconds(10)), "room again")
    }

    @Test func aCancelledWaitEndsAtOnce() async throws {
        let (signals, _) = signals(maxWaiters: 1)
        let task = Task { await signals.wait(hub: "lado", after: signals.generation(of: "lado"), timeout: .seconds(20)) }
        try await Task.sleep(for: .milliseconds(100))
        let cancelled = ContinuousClock.now
        task.cancel()
        #expect(await task.value)
        #expect(ContinuousClock.now - cancelled < .seconds(5))
        #expect(await signals.wait(hub: "lado", after: signals.generation(of: "lado"), timeout: .milliseconds(10)), "its place is free")
    }

    @Test func notificationsAreCoalescedAndOnlyOthersWakeUs() async throws {
        let (signals, published) = signals()
        signals.received("* some-other-daemon")
        for _ in 0..<50 { signals.committed(["lado": 1]) }
        try await Task.sleep(for: .milliseconds(200))
        let sent = published.withLock { $0 }
        #expect((1...2).contains(sent.count), "one at once, at most one more for the rest of the window: \(sent.count)")
        let payload = try #require(sent.first)
        #expect(payload.hasPrefix("lado "))

        // Our own notification coming back wakes nobody; another daemon's does.
        let seen = signals.generation(of: "lado")
        signals.received(payload)
        #expect(signals.generation(of: "lado") == seen)
        signals.received("lado some-other-daemon")
        #expect(signals.generation(of: "lado") == seen + 1)
    }

    /// Published payloads for `hub`, and the others (greetings and presence).
    func split(_ published: Shared<[String]>, hub: String) -> (hub: [String], other: [String]) {
        let all = published.withLock { $0 }
        return (all.filter { $0.hasPrefix(hub + " ") }, all.filter { !$0.hasPrefix(hub + " ") })
    }

    @Test func aDaemonAloneSendsNoInboxNotificationsUntilAnotherGreetsIt() async throws {
        let (signals, published) = signals()
        signals.committed(["lado": 1])
        try await Task.sleep(for: .milliseconds(50))
        #expect(published.withLock { $0 }.isEmpty, "nobody else listens: nothing to tell")

        // Another daemon's greeting is answered with our presence; from then on we notify.
        signals.received("+ daemon-b")
        try await Task.sleep(for: .milliseconds(50))
        var sent = split(published, hub: "lado")
        #expect(sent.hub.isEmpty)
        #expect(sent.other.count == 1 && sent.other.first?.hasPrefix("* ") == true, "\(sent.other)")
        signals.committed(["lado": 1])
        try await Task.sleep(for: .milliseconds(50))
        sent = split(published, hub: "lado")
        #expect(sent.hub.count == 1)

        // Presence is recorded but not answered, or daemons would answer each other for ever.
        signals.received("* daemon-c")
        try await Task.sleep(for: .milliseconds(50))
        #expect(split(published, hub: "lado").other.count == 1)

        // Our own greeting and presence: what other daemons hear from us.
        await signals.greet()
        await signals.announce()
        let own = split(published, hub: "lado").other
        #expect(own.count == 3 && own[1].hasPrefix("+ ") && own[2].hasPrefix("* "), "\(own)")
        #expect(Set(own.map { $0.dropFirst(2) }).count == 1, "one origin throughout")
    }

    @Test func aDaemonNotHeardFromWithinThePeerTimeoutIsNoLongerNotified() async throws {
        let (signals, published) = signals(peerTimeout: .milliseconds(300))
        signals.received("* daemon-b")
        signals.committed(["lado": 1])
        try await Task.sleep(for: .milliseconds(400))
        #expect(split(published, hub: "lado").hub.count == 1)
        signals.committed(["lado": 1])
        try await Task.sleep(for: .milliseconds(50))
        #expect(split(published, hub: "lado").hub.count == 1, "daemon-b fell silent: it is gone")

        // Heard from again (its heartbeat): notified again.
        signals.received("* daemon-b")
        signals.committed(["lado": 1])
        try await Task.sleep(for: .milliseconds(50))
        #expect(split(published, hub: "lado").hub.count == 2)
    }
}
