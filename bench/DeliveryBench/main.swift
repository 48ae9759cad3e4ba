// delivery-bench: hub delivery measured over HTTP against a running mashd, from
// plain threads with blocking keep-alive connections (see HTTPConnection).
//
//   delivery-bench wakeup PORT AGENCY_TOKEN HUB_TOKEN HUB DOCUMENT TAG RATE SECONDS CONSUMERS
//     CONSUMERS hub systems long-poll the hub (max 10, waitSeconds 2) and ack what
//     they get, while referrals are POSTed at a constant RATE per second for
//     SECONDS, each at its scheduled time (open loop: a late send counts against
//     us, no coordinated omission). The wake-up latency of a referral runs from
//     its scheduled send time to the moment its lease response reached a
//     consumer. DOCUMENT holds @REFERENCE@; each referral's children get a
//     family name and NHS numbers of their own, as in bench/intake.lua.
//     Prints "WAKEUP ...".
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
            guard response.status == 200,
                  let json = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
                  let leases = json["leases"] as? [[String: Any]]
            else {
                errors += 1
                continue
            }
            if leases.isEmpty && untilEmpty { break }
            for lease in leases {
                if let reference = ((lease["referral"] as? [String: Any])?["document"] as? [String: Any])?["reference"] as? String {
                    received(reference, at)
                }
            }
            let ids = leases.compactMap { $0["leaseId"] as? String }
            errors += leases.count - ids.count
            if ackTogether && !ids.isEmpty {
                let body = try JSONSerialization.data(withJSONObject: ["leaseIds": ids])
                let answer = try connection.send("POST", "/v1/hubs/\(hub)/acks", token: token, body: Array(body))
                let results = ((try? JSONSerialization.jsonObject(with: Data(answer.body))) as? [String: Any])?["results"] as? [[String: Any]] ?? []
                let done = results.filter { $0["status"] as? Int == 204 }.count
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

/// Nearest-rank percentile of sorted values.
func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    return sorted[max(0, min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1))]
}

/// A valid NHS number near `base` (modulus 11), as bench/intake.lua makes them.
func nhsNumber(_ base: Int) -> String {
    var base = base
    while true {
        let number = base % 1_000_000_000
        var sum = 0, rest = number
        for weight in 2...10 {
            sum += (rest % 10) * weight
            rest /= 10
        }
        let check = (11 - sum % 11) % 11
        if check != 10 { return String(format: "%09d%d", number, check) }
        base += 1
    }
}

func letters(_ n: Int) -> String {
    var n = n, out = ""
    for _ in 0..<6 {
        out.append(Character(UnicodeScalar(UInt8(97 + n % 26))))
        n /= 26
    }
    return out
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard let mode = arguments.first else { fail("usage: delivery-bench wakeup|drain|consume ...") }
func argument(_ index: Int) -> String {
    guard index < arguments.count else { fail("\(mode): missing argument \(index)") }
    return arguments[index]
}
func number(_ index: Int) -> Int {
    guard let value = Int(argument(index)), value > 0 else { fail("\(mode): argument \(index) must be a positive whole number") }
    return value
}

switch mode {
case "wakeup":
    let port = number(1), agencyToken = argument(2), hubToken = argument(3), hub = argument(4)
    guard let document = try? String(contentsOfFile: argument(5), encoding: .utf8), document.contains("@REFERENCE@") else {
        fail("cannot read a document with @REFERENCE@ from \(argument(5))")
    }
    let tag = argument(6), rate = number(7), seconds = number(8), consumers = number(9)
    let total = rate * seconds
    // Children of their own in every run against the same database, as intake.lua's.
    let tagSeed = tag.utf8.reduce(0) { ($0 * 31 + Int($1)) % 40 }
    let scheduled = Mutex([String: UInt64]())
    let arrived = Mutex([String: UInt64]())
    let intake = Mutex((latencies: [Double](), errors: 0))
    let next = Atomic<Int>(0)
    let stopConsumers = Atomic<Bool>(false)
    let consumed = Mutex((acked: 0, errors: 0))

    let consumerThreads = DispatchGroup()
    consumerThreads.enter()
    Thread.detachNewThread {
        onThreads(consumers) { _ in
            let result = consume(port: port, token: hubToken, hub: hub, batch: 10, wait: 2, untilEmpty: false,
                                 stop: { stopConsumers.load(ordering: .relaxed) }) { reference, at in
                arrived.withLock { $0[reference] = at }
            }
            consumed.withLock { $0.acked += result.acked; $0.errors += result.errors }
        }
        consumerThreads.leave()
    }
    Thread.sleep(forTimeInterval: 1)  // every consumer is waiting before the first referral

    let start = now() + 100_000_000
    let interval = 1_000_000_000 / UInt64(rate)
    onThreads(16) { _ in
        guard let connection = try? HTTPConnection(port: port) else {
            intake.withLock { $0.errors += 1 }
            return
        }
        while true {
            let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
            guard index < total else { return }
            let due = start + UInt64(index) * interval
            let current = now()
            if due > current { usleep(useconds_t((due - current) / 1_000)) }
            let base = 900_000_000 + tagSeed * 2_000_000 + index * 2
            let reference = "\(tag)/\(String(format: "%09d", index))"
            let body = document.replacingOccurrences(of: "@REFERENCE@", with: reference)
                .replacingOccurrences(of: #""familyName": "Hughes""#, with: #""familyName": "Hughes\#(letters(base))""#)
                .replacingOccurrences(of: "9434765919", with: nhsNumber(base))
                .replacingOccurrences(of: "4857773457", with: nhsNumber(base + 1))
            scheduled.withLock { $0[reference] = due }
            let response = try? connection.send("POST", "/v1/referrals", token: agencyToken, body: Array(body.utf8))
            let done = now()
            intake.withLock { state in
                if response?.status == 201 { state.latencies.append(Double(done - due) / 1e6) } else { state.errors += 1 }
            }
        }
    }
    let sendingEnded = now()
    // Every referral is wanted; give the consumers up to ten seconds for the last.
    while arrived.withLock({ $0.count }) < total - intake.withLock({ $0.errors }) && now() - sendingEnded < 10_000_000_000 {
        usleep(10_000)
    }
    stopConsumers.store(true, ordering: .relaxed)
    consumerThreads.wait()

    let wakeups = scheduled.withLock { scheduled in
        arrived.withLock { arrived in
            scheduled.compactMap { reference, due in arrived[reference].map { Double($0 - due) / 1e6 } }
        }
    }.sorted()
    let posted = intake.withLock { $0 }
    let intakeSorted = posted.latencies.sorted()
    let result = consumed.withLock { $0 }
    print(String(
        format: "WAKEUP rate=%d seconds=%d consumers=%d sent=%d received=%d missing=%d p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f intake_p50_ms=%.3f intake_p99_ms=%.3f acked=%d errors=%d",
        rate, seconds, consumers, total, wakeups.count, total - wakeups.count,
        percentile(wakeups, 0.5), percentile(wakeups, 0.9), percentile(wakeups, 0.99), wakeups.last ?? .nan,
        percentile(intakeSorted, 0.5), percentile(intakeSorted, 0.99), result.acked, posted.errors + result.errors
    ))

case "drain":
    let port = number(1), hubToken = argument(2), hub = argument(3), batch = number(4), consumers = number(5)
    let acks = arguments.count > 6 ? argument(6) : "each"
    guard acks == "each" || acks == "together" else { fail("drain: acks are `each` or `together`, not \(acks)") }
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
          answer.status == 200,
          let json = (try? JSONSerialization.jsonObject(with: Data(answer.body))) as? [String: Any],
          let lease = (json["leases"] as? [[String: Any]])?.first,
          let id = lease["leaseId"] as? String, let expires = lease["leaseExpiresAt"] as? String,
          let referral = (lease["referral"] as? [String: Any])?["id"] as? String
    else { fail("hold: no lease") }
    FileHandle.standardOutput.write(Data("HOLD \(id) \(referral) \(expires)\n".utf8))  // unbuffered: the test reads it at once
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
    fail("unknown mode \(mode): wakeup, drain or consume")
}
