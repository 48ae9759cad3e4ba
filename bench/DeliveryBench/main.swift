// delivery-bench: hub delivery and intake measured over HTTP against a running
// mashd, from plain threads with blocking keep-alive connections (see
// HTTPConnection). Latencies go into HdrHistograms (see Latencies).
//
//   delivery-bench wakeup PORT AGENCY_TOKEN HUB_TOKEN HUB DOCUMENT TAG RATE SECONDS CONSUMERS [each|together]
//     CONSUMERS hub systems long-poll the hub (max 10, waitSeconds 2) and ack what
//     they get, one request per referral (`each`, the default) or per batch
//     (`together`), while referrals are POSTed at a constant RATE per second for
//     SECONDS (see ConstantArrival: each at its scheduled time, open loop). The
//     wake-up latency of a referral runs from its scheduled send time to the
//     moment its lease response reached a consumer. DOCUMENT holds @REFERENCE@;
//     each referral's children get a family name and NHS numbers of their own,
//     as in bench/intake.lua, from the block MASH_BENCH_BLOCK (0 to 49) names
//     (see Referrals). Prints "WAKEUP ...".
//   delivery-bench intake PORT AGENCY_TOKEN DOCUMENT TAG RATE SECONDS [CONNECTIONS]
//     The same referrals POSTed at a constant RATE per second for SECONDS over
//     CONNECTIONS connections (default 64), nothing else. A referral's latency
//     runs from its scheduled send time to its answer, so a late send counts
//     (no coordinated omission); send_lag is how late it went. Prints
//     "INTAKE rate= seconds= connections= sent= ok= errors= achieved_rps=
//     p50_ms= p90_ms= p99_ms= p999_ms= max_ms= send_lag_p50_ms= ...".
//   delivery-bench drain PORT HUB_TOKEN HUB BATCH CONSUMERS [each|together]
//     CONSUMERS hub systems lease BATCH at a time and ack each lease (`each`, the
//     default: POST .../leases/{id}/ack) or the whole batch at once (`together`:
//     POST .../acks) until the inbox is empty. Prints "DRAIN ...".
//   delivery-bench hold PORT HUB_TOKEN HUB LEASE_SECONDS
//     Leases one referral, prints "HOLD <leaseId> <referralId> <leaseExpiresAt>"
//     and then holds it without a word until killed: the consumer the tests
//     kill mid-lease.
//   delivery-bench consume PORT HUB_TOKEN HUB SECONDS CONSUMERS
//     As wakeup's consumers, for SECONDS, with nothing posted by this program
//     (intake comes from wrk meanwhile). Prints "CONSUME ...".
import Foundation
import Synchronization

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("delivery-bench: \(message)\n".utf8))
    exit(1)
}

func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

/// Runs `body` on `count` threads and waits for them all.
func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for index in 0..<count {
        group.enter()
        Thread.detachNewThread {
            body(index)
            group.leave()
        }
    }
    group.wait()
}

/// What a hub system does: lease up to `batch`, ack each, until `stop` says so
/// or (with `untilEmpty`) a lease comes back empty. `received` is told each
/// referral's reference as its lease arrives.
func consume(
    port: Int, token: String, hub: String, batch: Int, wait: Int, untilEmpty: Bool, ackTogether: Bool = false, stop: @Sendable () -> Bool,
    received: @Sendable (String, UInt64) -> Void = { _, _ in }
) -> (acked: Int, errors: Int) {
    var acked = 0, errors = 0
    guard var connection = try? HTTPConnection(port: port) else { return (0, 1) }
    let body = Array(#"{"max": \#(batch), "waitSeconds": \#(wait), "leaseSeconds": 300}"#.utf8)
    while !stop() {
        do {
            let response = try connection.send("POST", "/v1/hubs/\(hub)/leases", token: token, body: body)
            let at = now()
            guard response.status == 200, let leases = HubAnswers.leases(response.body) else {
                errors += 1
                continue
            }
            if leases.isEmpty && untilEmpty { break }
            for case let reference? in leases.map(\.reference) { received(reference, at) }
            let ids = leases.map(\.leaseID)
            if ackTogether && !ids.isEmpty {
                let answer = try connection.send("POST", "/v1/hubs/\(hub)/acks", token: token, body: HubAnswers.acks(ids))
                let done = answer.status == 200 ? HubAnswers.acknowledged(answer.body) : 0
                acked += done
                errors += ids.count - done
            } else {
                for id in ids {
                    let ack = try connection.send("POST", "/v1/hubs/\(hub)/leases/\(id)/ack", token: token)
                    if ack.status == 204 { acked += 1 } else { errors += 1 }
                }
            }
        } catch {
            errors += 1
            guard let fresh = try? HTTPConnection(port: port) else { return (acked, errors + 1) }
            connection = fresh
        }
    }
    return (acked, errors)
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard let mode = arguments.first else { fail("usage: delivery-bench wakeup|intake|drain|hold|consume ...") }
func argument(_ index: Int) -> String {
    guard index < arguments.count else { fail("\(mode): missing argument \(index)") }
    return arguments[index]
}
func number(_ index: Int) -> Int {
    guard let value = Int(argument(index)), value > 0 else { fail("\(mode): argument \(index) must be a positive whole number") }
    return value
}
/// The bench referrals of the document whose path is argument `document`, tagged
/// with argument `tag`, their children's NHS numbers from block MASH_BENCH_BLOCK.
func referrals(document: Int, tag: Int) -> Referrals {
    guard let block = ProcessInfo.processInfo.environment["MASH_BENCH_BLOCK"].flatMap({ Int($0) }), (0..<50).contains(block) else {
        fail("\(mode): MASH_BENCH_BLOCK must be set to a block of NHS numbers, 0 to 49")
    }
    guard let text = try? String(contentsOfFile: argument(document), encoding: .utf8),
          let referrals = Referrals(document: text, tag: argument(tag), block: block)
    else { fail("cannot read a bench referral (@REFERENCE@, two children) from \(argument(document))") }
    return referrals
}
/// How consumers ack, from optional argument `index`: `each` (the default) or `together`.
func acks(_ index: Int) -> String {
    let acks = arguments.count > index ? argument(index) : "each"
    guard acks == "each" || acks == "together" else { fail("\(mode): acks are `each` or `together`, not \(acks)") }
    return acks
}

switch mode {
case "wakeup":
    let port = number(1), agencyToken = argument(2), hubToken = argument(3), hub = argument(4)
    let referrals = referrals(document: 5, tag: 6)
    let rate = number(7), seconds = number(8), consumers = number(9), acks = acks(10)
    let scheduled = Mutex([String: UInt64]())
    let arrived = Mutex([String: UInt64]())
    let intake = Mutex((latencies: Latencies(), errors: 0))
    let stopConsumers = Atomic<Bool>(false)
    let consumed = Mutex((acked: 0, errors: 0))

    let consumerThreads = DispatchGroup()
    consumerThreads.enter()
    Thread.detachNewThread {
        onThreads(consumers) { _ in
            let result = consume(port: port, token: hubToken, hub: hub, batch: 10, wait: 2, untilEmpty: false, ackTogether: acks == "together",
                                 stop: { stopConsumers.load(ordering: .relaxed) }) { reference, at in
                arrived.withLock { $0[reference] = at }
            }
            consumed.withLock { $0.acked += result.acked; $0.errors += result.errors }
        }
        consumerThreads.leave()
    }
    Thread.sleep(forTimeInterval: 1)  // every consumer is waiting before the first referral

    let schedule = ConstantArrival(port: port, token: agencyToken, referrals: referrals, rate: rate, seconds: seconds,
                                   connections: ConstantArrival.defaultConnections)
    schedule.run(start: now() + 100_000_000) { sent in
        scheduled.withLock { $0[sent.reference] = sent.due }
        intake.withLock { state in
            if sent.status == 201 { state.latencies.record(from: sent.due, to: sent.answered) } else { state.errors += 1 }
        }
    }
    let sendingEnded = now()
    // Every referral is wanted; give the consumers up to ten seconds for the last.
    while arrived.withLock({ $0.count }) < schedule.total - intake.withLock({ $0.errors }) && now() - sendingEnded < 10_000_000_000 {
        usleep(10_000)
    }
    stopConsumers.store(true, ordering: .relaxed)
    consumerThreads.wait()

    var wakeups = Latencies()
    scheduled.withLock { scheduled in
        arrived.withLock { arrived in
            for (reference, due) in scheduled {
                if let at = arrived[reference] { wakeups.record(from: due, to: at) }
            }
        }
    }
    let posted = intake.withLock { $0 }
    let result = consumed.withLock { $0 }
    print("WAKEUP rate=\(rate) seconds=\(seconds) consumers=\(consumers) acks=\(acks) sent=\(schedule.total) received=\(wakeups.count) "
        + "missing=\(UInt64(schedule.total) - wakeups.count) \(wakeups.fields()) \(posted.latencies.fields("intake_")) "
        + "acked=\(result.acked) errors=\(posted.errors + result.errors)")

case "intake":
    let port = number(1), agencyToken = argument(2)
    let referrals = referrals(document: 3, tag: 4)
    let rate = number(5), seconds = number(6)
    let connections = arguments.count > 7 ? number(7) : ConstantArrival.defaultConnections
    let outcome = Mutex((latencies: Latencies(), lag: Latencies(), ok: 0, errors: 0, last: UInt64(0)))
    let schedule = ConstantArrival(port: port, token: agencyToken, referrals: referrals, rate: rate, seconds: seconds, connections: connections)
    let start = now() + 100_000_000
    schedule.run(start: start) { sent in
        outcome.withLock { state in
            state.lag.record(from: sent.due, to: sent.began)
            state.last = max(state.last, sent.answered)
            if sent.status == 201 {
                state.ok += 1
                state.latencies.record(from: sent.due, to: sent.answered)
            } else {
                state.errors += 1
            }
        }
    }
    let result = outcome.withLock { $0 }
    let elapsed = Double(result.last > start ? result.last - start : 1) / 1e9
    print("INTAKE rate=\(rate) seconds=\(seconds) connections=\(connections) sent=\(schedule.total) ok=\(result.ok) errors=\(result.errors) "
        + String(format: "achieved_rps=%.1f ", Double(result.ok) / elapsed)
        + "\(result.latencies.fields()) \(result.lag.fields("send_lag_"))")

case "drain":
    let port = number(1), hubToken = argument(2), hub = argument(3), batch = number(4), consumers = number(5), acks = acks(6)
    let totals = Mutex((acked: 0, errors: 0))
    let started = now()
    onThreads(consumers) { _ in
        let result = consume(port: port, token: hubToken, hub: hub, batch: batch, wait: 0, untilEmpty: true, ackTogether: acks == "together", stop: { false })
        totals.withLock { $0.acked += result.acked; $0.errors += result.errors }
    }
    let seconds = Double(now() - started) / 1e9
    let result = totals.withLock { $0 }
    print("DRAIN batch=\(batch) acks=\(acks) consumers=\(consumers) referrals=\(result.acked) "
        + String(format: "seconds=%.3f per_second=%.1f errors=%d", seconds, Double(result.acked) / seconds, result.errors))

case "hold":
    let port = number(1), hubToken = argument(2), hub = argument(3), leaseSeconds = number(4)
    guard let connection = try? HTTPConnection(port: port),
          let answer = try? connection.send("POST", "/v1/hubs/\(hub)/leases", token: hubToken,
                                            body: Array(#"{"max": 1, "waitSeconds": 10, "leaseSeconds": \#(leaseSeconds)}"#.utf8)),
          answer.status == 200, let lease = HubAnswers.leases(answer.body)?.first
    else { fail("hold: no lease") }
    FileHandle.standardOutput.write(Data("HOLD \(lease.leaseID) \(lease.referralID) \(lease.expiresAt)\n".utf8))  // unbuffered: the test reads it at once
    sleep(600)

case "consume":
    let port = number(1), hubToken = argument(2), hub = argument(3), seconds = number(4), consumers = number(5)
    let totals = Mutex((acked: 0, errors: 0))
    let until = now() + UInt64(seconds) * 1_000_000_000
    onThreads(consumers) { _ in
        let result = consume(port: port, token: hubToken, hub: hub, batch: 10, wait: 2, untilEmpty: false, stop: { now() >= until })
        totals.withLock { $0.acked += result.acked; $0.errors += result.errors }
    }
    let result = totals.withLock { $0 }
    print("CONSUME seconds=\(seconds) consumers=\(consumers) acked=\(result.acked) errors=\(result.errors)")

default:
    fail("unknown mode \(mode): wakeup, intake, drain, hold or consume")
}
