import Foundation
import LocalCluster
import MashStore
import MashTesting
import Postgres
import Testing

/// mashd as operators run it (issue 6): configuration, systemd's notify protocol
/// and watchdog, SIGTERM and SIGHUP, one leader for periodic work and the
/// deadline watch, rate limits, stalled clients, TLS and mutual TLS, metrics and
/// JSON logs without personal data.
@Suite("mashd in operation", .serialized)
struct OperationsTests {
    static func temporaryDirectory() async throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mash-ops-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    static func write(_ text: String, to url: URL) async throws -> String {
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test func checkConfigNamesEveryProblemAndPassesAGoodFile() async throws {
        let directory = try await Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let bad = try await Self.write("port: 99999\nlogFormat: xml\nlimits:\n  bodyTimeout: soon\nretry: 3\n", to: directory.appendingPathComponent("bad.yaml"))
        let refused = try await CLI.run("mashd", ["--config", bad, "--check-config", "--pool-size", "0"])
        #expect(refused.status == 1)
        for expected in [
            "\(bad):1: port: must be a whole number from 0 to 65535",
            "\(bad):2: logFormat: must be one of text, json",
            "\(bad):4: limits.bodyTimeout: must be a duration",
            "\(bad):5: retry: is not a setting mashd has",
            "--pool-size: poolSize: must be a whole number from 1 to 1000",
        ] {
            #expect(refused.stderr.contains(expected), "\(expected) in \(refused.stderr)")
        }
        let good = try await Self.write("databaseURL: host=/tmp password=hunter2\nport: 8443\n", to: directory.appendingPathComponent("good.yaml"))
        let accepted = try await CLI.run("mashd", ["--config", good, "--check-config"])
        #expect(accepted.status == 0, "\(accepted.stderr)")
        #expect(accepted.stdout.contains("port: 8443") && accepted.stdout.contains("password=***"))
        #expect(!accepted.stdout.contains("hunter2"), "the password is never printed")

        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("config/mashd.yaml").path
        let documented = try await CLI.run("mashd", ["--config", example, "--check-config"])
        #expect(documented.status == 0, "config/mashd.yaml is valid: \(documented.stderr)")
    }

    /// READY once serving; watchdog pings every half interval; a database outage is
    /// reported in STATUS while the pings go on (restarting would not help); back
    /// again when it is; STOPPING on SIGTERM, then exit 0.
    @Test func systemdHearsReadyWatchdogAndStopping() async throws {
        try await TestCluster.withPrivateDatabase { database in
            let cluster = database.cluster
            _ = try await Fixtures.setup(database)
            let directory = try await Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let notify = try NotifySocket(directory: directory)
            let daemon = try await DaemonProcess(
                database: database, environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "1000000"]
            )

            let started = await notify.receive(for: .seconds(10)) { $0.filter { $0 == "WATCHDOG=1" }.count >= 2 }
            #expect(started.first?.hasPrefix("READY=1") == true, "READY first: \(started)")
            #expect(started.filter { $0 == "WATCHDOG=1" }.count >= 2, "\(started)")

            try await cluster.stop(mode: "immediate")
            let outage = await notify.receive(for: .seconds(10)) { messages in
                guard let down = messages.firstIndex(where: { $0.contains("the database is unreachable") }) else { return false }
                return messages[down...].filter { $0 == "WATCHDOG=1" }.count >= 2
            }
            let down = try #require(outage.firstIndex { $0.contains("the database is unreachable") }, "\(outage)")
            #expect(outage[down...].filter { $0 == "WATCHDOG=1" }.count >= 2, "pings go on during an outage: \(outage)")
            let readyz = daemon.baseURL.appendingPathComponent("readyz")
            #expect(try await HTTP.send("GET", readyz, contentType: nil).status == 503, "not ready while the database is down")
            #expect(try await HTTP.send("GET", daemon.baseURL.appendingPathComponent("healthz"), contentType: nil).status == 200, "but alive")

            try await cluster.start()
            let back = await notify.receive(for: .seconds(15)) { $0.contains { $0.contains("the database is back") } }
            #expect(back.contains { $0.contains("the database is back") }, "\(back)")
            #expect(try await HTTP.send("GET", readyz, contentType: nil).status == 200, "ready again")

            #expect(await daemon.terminate() == 0)
            #expect(await notify.receive(for: .seconds(1)).contains { $0.hasPrefix("STOPPING=1") })
        }
    }

    /// SIGTERM while a lease request long-polls: the request is answered, then
    /// mashd exits 0, well inside the grace period.
    @Test func sigtermFinishesInFlightRequests() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        let daemon = try await DaemonProcess(database: setup.database, arguments: ["--grace-period", "20s"])
        let url = daemon.baseURL.appendingPathComponent("v1/hubs/mash-screening/leases")
        let started = ContinuousClock.now
        async let response = HTTP.send("POST", url, token: setup.hubToken, body: Data(#"{"max": 1, "waitSeconds": 3}"#.utf8))
        try await Task.sleep(for: .milliseconds(500))
        kill(daemon.pid, SIGTERM)
        let answered = try await response
        #expect(answered.status == 200, "\(answered.text)")
        #expect(await daemon.terminate() == 0)
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    /// Two daemons on one database: one leads periodic work. A referral past its
    /// deadline is escalated once (flag, history entry, NOTIFY, metric, first in
    /// `overdue`). When the leader is killed the other takes over within 30 s.
    @Test func oneLeaderEscalatesOverdueReferralsAndAnotherTakesOver() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        let daemons = [
            try await DaemonProcess(database: setup.database),
            try await DaemonProcess(database: setup.database),
        ]
        let listener = PostgresListener(configuration: setup.store.pool.configuration, channels: [Store.escalationsChannel])
        let listening = Task { await listener.run() }
        defer { listening.cancel() }
        let heard = Task { () -> [String] in
            var payloads: [String] = []
            for await event in listener.events {
                if case .notification(let notification) = event { payloads.append(notification.payload) }
                if payloads.count == 2 { break }
            }
            return payloads
        }

        func postOverdue(_ reference: String, through daemon: DaemonProcess) async throws -> String {
            let posted = try await HTTP.send("POST", daemon.baseURL.appendingPathComponent("v1/referrals"), token: setup.policeToken, body: Fixtures.referral(reference: reference))
            let id = try #require(posted.json["id"] as? String, "\(posted.text)")
            try await setup.store.pool.withConnection { connection in
                _ = try connection.query("UPDATE referrals SET deadline = now() - interval '1 minute' WHERE id = $1::uuid", [id])
            }
            return id
        }
        func escalation(_ id: String, within limit: Duration) async throws -> (events: Int, flags: String)? {
            let deadline = ContinuousClock.now + limit
            while ContinuousClock.now < deadline {
                let row = try await setup.store.pool.withConnection { connection in
                    try connection.query("""
                        SELECT r.flags::text AS flags, (SELECT count(*) FROM referral_events e WHERE e.referral_id = r.id AND e.event = 'escalated') AS events
                        FROM referrals r WHERE r.id = $1::uuid AND r.escalated_at IS NOT NULL
                        """, [id]).first
                }
                if let row { return (try row.require(Int.self, "events"), try row.require(String.self, "flags")) }
                try await Task.sleep(for: .milliseconds(250))
            }
            return nil
        }

        // A referral not yet due, to be listed after the escalated one.
        _ = try await HTTP.send("POST", daemons[0].baseURL.appendingPathComponent("v1/referrals"), token: setup.policeToken, body: Fixtures.referral(reference: "OPS-LATER", concern: "neglect"))
        let first = try await postOverdue("OPS-OVERDUE-1", through: daemons[0])
        let escalated = try #require(try await escalation(first, within: .seconds(30)), "escalated within 30 s")
        try await Task.sleep(for: .seconds(1))  // a second daemon, had it also led, would have escalated it again by now
        let again = try #require(try await escalation(first, within: .seconds(1)))
        #expect(escalated.events == 1 && again.events == 1, "escalated once")
        #expect(escalated.flags.contains("\"overdue\""))

        let overdue = try await CLI.run("mashctl", ["overdue", "--database-url", setup.database.connectionString, "--format", "json"])
        let listed = try JSONSerialization.jsonObject(with: Data(overdue.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(listed.first?["id"] as? String == first, "the escalated referral is listed first")

        let leaders = daemons.filter { $0.log.contains("leading periodic work") }
        #expect(leaders.count == 1, "one leader")
        let leader = try #require(leaders.first)
        let other = try #require(daemons.first { $0 !== leader })
        let metrics = try await HTTP.send("GET", leader.baseURL.appendingPathComponent("metrics")).text
        #expect(metrics.contains(#"mash_referrals_escalated_total{hub="#))

        await leader.kill()
        let killedAt = ContinuousClock.now
        let second = try await postOverdue("OPS-OVERDUE-2", through: other)
        #expect(try await escalation(second, within: .seconds(45)) != nil, "the survivor escalates it")
        let takeover = ContinuousClock.now - killedAt
        #expect(other.log.contains("leading periodic work"))
        // Lock retry (5 s) plus the watch's round (10 s), with room for a loaded machine.
        #expect(takeover < .seconds(40), "taken over in \(takeover)")

        let payloads = await heard.value
        #expect(payloads.count == 2 && payloads[0].contains(first) && payloads[1].contains(second), "\(payloads)")
        #expect(payloads.allSatisfy { !$0.contains(Fixtures.canaryName) })
    }

    /// Over its allowance an agency gets 429 with Retry-After, others do not; SIGHUP
    /// applies a new allowance without a restart and says what needs one.
    @Test func rateLimitsAndReloadOnSighup() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        let directory = try await Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("mashd.yaml")
        _ = try await Self.write("limits:\n  agencyRequestsPerMinute: 2\n", to: config)
        let daemon = try await DaemonProcess(database: setup.database, arguments: ["--config", config.path])
        let url = daemon.baseURL.appendingPathComponent("v1/referrals/\(UUID().uuidString.lowercased())")

        #expect(try await HTTP.send("GET", url, token: setup.policeToken).status == 404)
        #expect(try await HTTP.send("GET", url, token: setup.policeToken).status == 404)
        let limited = try await HTTP.send("GET", url, token: setup.policeToken)
        #expect(limited.status == 429)
        #expect(Int(limited.headers["retry-after"] ?? "") ?? 0 >= 1)
        #expect((limited.json["type"] as? String)?.hasSuffix("rate-limited") == true, "\(limited.text)")
        #expect(try await HTTP.send("GET", url, token: setup.healthToken).status == 404, "another agency is not limited")

        _ = try await Self.write("gracePeriod: 45s\nlimits:\n  agencyRequestsPerMinute: 6000\n", to: config)
        kill(daemon.pid, SIGHUP)
        let deadline = ContinuousClock.now + .seconds(10)
        while !daemon.log.contains("configuration reloaded") && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(daemon.isRunning, "SIGHUP reloads, it does not stop the daemon")
        #expect(daemon.log.contains("needsRestart=gracePeriod"))
        try await Task.sleep(for: .milliseconds(100))
        #expect(try await HTTP.send("GET", url, token: setup.policeToken).status == 404, "the new allowance applies")
    }

    /// A client that stops sending its headers, or its body, is cut off.
    @Test func stalledClientsAreCutOff() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        let daemon = try await DaemonProcess(
            database: setup.database, arguments: ["--limits-header-timeout", "1s", "--limits-body-timeout", "2s"]
        )
        let headers = try RawConnection(port: daemon.port)
        headers.send("POST /v1/referrals HTTP/1.1\r\nHost: localhost\r\n")
        let headersCut = await headers.secondsUntilClosed(limit: 10)
        #expect(headersCut != nil && headersCut! < 4, "cut off in the headers after \(String(describing: headersCut)) s")

        let body = try RawConnection(port: daemon.port)
        body.send("POST /v1/referrals HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(setup.policeToken)\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"reference\": ")
        let bodyCut = await body.secondsUntilClosed(limit: 10)
        #expect(bodyCut != nil && bodyCut! >= 1.5 && bodyCut! < 6, "cut off in the body after \(String(describing: bodyCut)) s")
        #expect(try await Fixtures.count(setup.store) == 0, "nothing half-stored")
        #expect(try await HTTP.send("GET", daemon.baseURL.appendingPathComponent("healthz")).status == 200)
    }

    /// Beyond `limits.connections` open connections, a new one waits unserved in
    /// the backlog until one closes.
    @Test func connectionsBeyondTheCapWaitForOneToClose() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        let daemon = try await DaemonProcess(database: setup.database, arguments: ["--limits-connections", "2"])
        let held = try (0..<2).map { _ in try RawConnection(port: daemon.port) }
        try await Task.sleep(for: .milliseconds(300))
        let waiting = try RawConnection(port: daemon.port)  // the kernel accepts it; mashd does not serve it yet
        waiting.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(await waiting.response(within: 1.5) == nil, "not served while two connections are open")
        held[0].close()
        let answer = await waiting.response(within: 10)
        #expect(answer?.hasPrefix("HTTP/1.1 200") == true, "served once one closed: \(answer ?? "nothing")")
        held[1].close()
        waiting.close()
    }

    /// HTTPS with a client CA: no certificate, no connection; a certificate for
    /// another agency than the token's is refused; the right pair is served.
    @Test func mutualTLSBindsTheCertificateToTheToken() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        let directory = try await Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let pki = try await TestPKI(directory: directory, clients: ["tvp", "nhs"])
        let daemon = try await DaemonProcess(database: setup.database, arguments: [
            "--tls-certificate", pki.serverCertificate, "--tls-key", pki.serverKey, "--tls-client-ca", pki.caCertificate,
        ])
        let url = "https://127.0.0.1:\(daemon.port)/v1/referrals/\(UUID().uuidString.lowercased())"

        let anonymous = try await pki.curl(url, token: setup.policeToken, client: nil)
        #expect(anonymous.status != 0, "no client certificate, no TLS connection: \(anonymous.output)")
        let matching = try await pki.curl(url, token: setup.policeToken, client: "tvp")
        #expect(matching.output.hasSuffix("404"), "\(matching.output)")
        let mismatched = try await pki.curl(url, token: setup.policeToken, client: "nhs")
        #expect(mismatched.output.hasSuffix("403") && mismatched.output.contains("certificate-mismatch"), "\(mismatched.output)")
        let plain = try? await HTTP.send("GET", URL(string: "http://127.0.0.1:\(daemon.port)/healthz")!)
        #expect(plain?.status != 200, "no plain HTTP on the TLS port")
    }

    /// Metrics count intake, triage and requests and report the pool; JSON logs are
    /// one object per line; neither carries the child's name, nor do problem details
    /// beyond what the caller sent.
    @Test func metricsAndJSONLogsCarryNoPersonalData() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        let daemon = try await DaemonProcess(database: setup.database, environment: ["MASH_LOG_FORMAT": "json", "MASH_LOG_LEVEL": "debug"])
        let referrals = daemon.baseURL.appendingPathComponent("v1/referrals")
        #expect(try await HTTP.send("POST", referrals, token: setup.policeToken, body: Fixtures.referral(reference: "OPS-M1")).status == 201)
        let refused = try await HTTP.send("POST", referrals, token: setup.policeToken, body: Data(#"""
            {"reference": "OPS-M2", "kind": "referral", "children": [{"givenName": "\#(Fixtures.canaryName)", "dateOfBirth": "2016-02-30"}]}
            """#.utf8))
        #expect(refused.status == 400 || refused.status == 422)
        #expect(!refused.text.contains(Fixtures.canaryName), "a problem names the field, not the child")
        try await Task.sleep(for: .milliseconds(300))

        let metrics = try await HTTP.send("GET", daemon.baseURL.appendingPathComponent("metrics")).text
        for expected in [
            #"mash_intake_total{kind="police",result="created"} 1"#,
            #"mash_intake_total{kind="police",result="refused"} 1"#,
            #"mash_triage_total{"#, "mash_inbox_open{", "mash_inbox_oldest_seconds{", "mash_db_pool_connections{",
            "http_server_request_duration_bucket", "http_server_active_requests{",
            #"hb_requests{http_route="/v1/referrals",http_request_method="POST",http_response_status_code="201"} 1"#,
            // The refusal, thrown as a problem through the metrics middleware, counts as an error.
            #"hb_request_errors{http_route="/v1/referrals",http_request_method="POST",error_type="\#(refused.status)"} 1"#,
        ] {
            #expect(metrics.contains(expected), "\(expected)")
        }
        #expect(!metrics.contains(Fixtures.canaryName) && !metrics.contains("Khan"))

        #expect(await daemon.terminate() == 0)
        let lines = daemon.log.split(separator: "\n").filter { $0.hasPrefix("{") }
        #expect(lines.count >= 3)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["message"] is String && object?["level"] is String && object?["time"] is String, "\(line)")
        }
        #expect(!daemon.log.contains(Fixtures.canaryName) && !daemon.log.contains("Khan") && !daemon.log.contains("9434765919"))
    }
}

/// A TCP connection written to byte by byte, for clients that misbehave.
struct RawConnection {
    let descriptor: Int32

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
    }

    func send(_ text: String) {
        _ = text.withCString { Glibc.send(descriptor, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
    }

    func close() {
        Glibc.close(descriptor)
    }

    /// What the server sends within `limit` seconds, or nil if nothing.
    func response(within limit: Double) async -> String? {
        await OwnThread.run { firstResponse(within: limit) }
    }

    private func firstResponse(within limit: Double) -> String? {
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let start = Date()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date().timeIntervalSince(start) < limit {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count > 0 { return String(decoding: buffer[0..<count], as: UTF8.self) }
            if count == 0 { return nil }
        }
        return nil
    }

    /// How many TCP segments carrying data have arrived on this connection: Linux's
    /// `tcpi_data_segs_in`, at byte 152 of its `struct tcp_info` (linux/tcp.h; the
    /// kernel only ever appends to it, and Glibc's copy of the struct stops short).
    var dataSegmentsReceived: UInt32 {
        var info = [UInt8](repeating: 0, count: 232)
        var length = socklen_t(info.count)
        guard getsockopt(descriptor, Int32(IPPROTO_TCP), TCP_INFO, &info, &length) == 0, length >= 156 else { return 0 }
        return info[152..<156].reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// Everything the server sends until it closes the connection, or nil if it
    /// is still open after `limit` seconds.
    func everything(within limit: Double) async -> String? {
        await OwnThread.run { untilClosed(limit: limit) }.map { String(decoding: $0.received, as: UTF8.self) }
    }

    /// Seconds until the server closes the connection (reads of anything it sends
    /// meanwhile are skipped), or nil if it is still open after `limit`.
    func secondsUntilClosed(limit: Double) async -> Double? {
        defer { close() }
        return await OwnThread.run { untilClosed(limit: limit) }?.seconds
    }

    /// Reads until the server closes or resets the connection: what it sent and
    /// how long that took, or nil if it is still open after `limit` seconds.
    private func untilClosed(limit: Double) -> (received: [UInt8], seconds: Double)? {
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let start = Date()
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date().timeIntervalSince(start) < limit {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count > 0 { received += buffer[0..<count] }
            if count == 0 || (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK) { return (received, Date().timeIntervalSince(start)) }
        }
        return nil
    }
}

/// A throwaway certificate authority made with openssl: a server certificate for
/// 127.0.0.1 and a client certificate per name (its common name).
struct TestPKI {
    let directory: URL
    var caCertificate: String { path("ca.crt") }
    var serverCertificate: String { path("server.crt") }
    var serverKey: String { path("server.key") }

    init(directory: URL, clients: [String]) async throws {
        self.directory = directory
        try await openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                     "-keyout", path("ca.key"), "-out", path("ca.crt"), "-days", "2", "-subj", "/CN=mash test CA"])
        try await issue("server", subject: "/CN=localhost", extensions: "subjectAltName=IP:127.0.0.1,DNS:localhost")
        for client in clients { try await issue(client, subject: "/O=mash test/CN=\(client)", extensions: "extendedKeyUsage=clientAuth") }
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    private func issue(_ name: String, subject: String, extensions: String) async throws {
        let extensionFile = path("\(name).ext")
        try extensions.write(toFile: extensionFile, atomically: true, encoding: .utf8)
        try await openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                     "-keyout", path("\(name).key"), "-out", path("\(name).csr"), "-subj", subject])
        try await openssl(["x509", "-req", "-in", path("\(name).csr"), "-CA", path("ca.crt"), "-CAkey", path("ca.key"),
                     "-CAcreateserial", "-out", path("\(name).crt"), "-days", "2", "-extfile", extensionFile])
    }

    private func openssl(_ arguments: [String]) async throws {
        let result = try await ChildProcess.run(["/usr/bin/openssl"] + arguments)
        guard result.status == 0 else { throw TestFailure("openssl \(arguments.first ?? ""): \(result.output)") }
    }

    /// curl's exit status and output: the body, then the HTTP status code.
    func curl(_ url: String, token: String, client: String?) async throws -> (status: Int32, output: String) {
        var arguments = ["/usr/bin/curl", "-sS", "--max-time", "10", "--cacert", caCertificate, "-H", "Authorization: Bearer \(token)", "-w", "%{http_code}"]
        if let client { arguments += ["--cert", path("\(client).crt"), "--key", path("\(client).key")] }
        let result = try await CLI.run(argv: arguments + [url])
        return (result.status, (result.stdout + result.stderr).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
