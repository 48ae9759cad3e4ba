import Foundation
import Testing
@testable import MashConfig

@Suite struct ConfigurationLoaderTests {
    /// A configuration file in a temporary directory, deleted by the caller.
    func file(_ yaml: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mashd-\(UUID().uuidString).yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func namesFollowTheKey() {
        let names = Setting.all.map { [$0.key, $0.environmentName, $0.flagName] }
        #expect(names.contains(["databaseURL", "MASH_DATABASE_URL", "--database-url"]))
        #expect(names.contains(["tls.clientCA", "MASH_TLS_CLIENT_CA", "--tls-client-ca"]))
        #expect(names.contains(["limits.agencyRequestsPerMinute", "MASH_LIMITS_AGENCY_REQUESTS_PER_MINUTE", "--limits-agency-requests-per-minute"]))
        #expect(names.contains(["host", "MASH_HOST", "--host"]))
        #expect(names.contains(["port", "MASH_PORT", "--port"]))
    }

    @Test func defaultsWithoutAnySource() throws {
        let loaded = try ConfigurationLoader(path: nil, environment: [:], flags: [:]).load()
        #expect(loaded == DaemonConfiguration())
        #expect(loaded.host == "127.0.0.1" && loaded.port == 8080 && loaded.tls.isEnabled == false)
        // A stalled client is cut off within 20 s by default.
        #expect(loaded.limits.headerTimeout <= .seconds(20) && loaded.limits.bodyTimeout <= .seconds(20))
    }

    @Test func flagBeatsEnvironmentBeatsFile() throws {
        let path = try file("""
            host: 10.0.0.1
            port: 9000
            poolSize: 4
            tls:
              certificate: /etc/cert.pem
              key: /etc/key.pem
            limits:
              bodyTimeout: 2m
            retention:
              quarantine: 30d
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let loaded = try ConfigurationLoader(
            path: path, environment: ["MASH_PORT": "9100", "MASH_POOL_SIZE": "6", "MASH_RETENTION_NFA_REFERRALS": "1y"],
            flags: ["port": "9200"]
        ).load()
        #expect(loaded.host == "10.0.0.1")
        #expect(loaded.port == 9200)
        #expect(loaded.poolSize == 6)
        #expect(loaded.tls.certificate == "/etc/cert.pem" && loaded.tls.isEnabled)
        #expect(loaded.limits.bodyTimeout == .seconds(120))
        #expect(loaded.retention == (try RetentionPolicy(settings: ["quarantine": "30d", "nfaReferrals": "1y"])))
    }

    @Test func everyProblemIsNamedWithWhereItCameFrom() throws {
        let path = try file("""
            host: 10.0.0.1
            port: 70000
            logFormat: xml
            colour: blue
            tls:
              clientCA: /etc/ca.pem
            retention:
              nfaReferrals: forever
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = try #require(throws: ConfigurationError.self) {
            try ConfigurationLoader(path: path, environment: ["MASH_LIMITS_HEADER_TIMEOUT": "soon"], flags: ["poolSize": "0"]).load()
        }
        let text = error.problems.map(\.description)
        #expect(text.contains("\(path):2: port: must be a whole number from 0 to 65535, not \"70000\""))
        #expect(text.contains("\(path):3: logFormat: must be one of text, json, not \"xml\""))
        #expect(text.contains("\(path):4: colour: is not a setting mashd has"))
        #expect(text.contains("MASH_LIMITS_HEADER_TIMEOUT: limits.headerTimeout: must be a duration such as 30s, 5m or 1h, not \"soon\""))
        #expect(text.contains("--pool-size: poolSize: must be a whole number from 1 to 1000, not \"0\""))
        #expect(text.contains("tls.clientCA: client certificates need HTTPS: give tls.certificate and tls.key too"))
        #expect(text.contains { $0.hasPrefix("\(path):8: retention.nfaReferrals: ") }, "\(text)")
        #expect(error.problems.count == 7)
    }

    @Test func aMissingNamedFileIsAnErrorButTheDefaultMayBeAbsent() throws {
        #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader(path: "/nonexistent/mashd.yaml", environment: [:], flags: [:]).load()
        }
        let broken = try file("port: 8443\npoolSize: 4\nlogLevel: [info\n")
        defer { try? FileManager.default.removeItem(atPath: broken) }
        let error = try #require(throws: ConfigurationError.self) {
            try ConfigurationLoader(path: broken, environment: [:], flags: [:]).load()
        }
        #expect(error.problems.first?.message == "is not valid YAML")
        #expect(error.problems.first?.origin == .file(path: broken, line: 4), "where the unclosed list ends")
    }

    @Test func theSummaryHidesTheDatabasePassword() throws {
        var configuration = DaemonConfiguration()
        configuration.databaseURL = "host=db1,db2 user=mashd password=s3cret dbname=mash"
        #expect(configuration.summary.contains("databaseURL: host=db1,db2 user=mashd password=*** dbname=mash"))
        #expect(!configuration.summary.contains("s3cret"))
        configuration.databaseURL = "postgresql://mashd:s3cret@db1/mash"
        #expect(configuration.summary.contains("databaseURL: postgresql://mashd:***@db1/mash"))
    }

    @Test func changedKeysSaySettingsApart() {
        var next = DaemonConfiguration()
        next.logLevel = .debug
        next.port = 9000
        #expect(next.changedKeys(from: DaemonConfiguration()) == ["port", "logLevel"])
    }

    @Test func durations() {
        #expect(SettingDuration.parse("30s") == .seconds(30))
        #expect(SettingDuration.parse("2w") == .seconds(1_209_600))
        #expect(SettingDuration.parse("6y") == .seconds(6 * 31_536_000))
        #expect(SettingDuration.parse("0s") == nil)
        #expect(SettingDuration.parse("5") == nil)
        #expect(SettingDuration.parse("99999999999999999y") == nil)
        #expect(SettingDuration.format(.seconds(172_800)) == "2d")
    }
}
