import Foundation
import MashTesting
import Testing

/// Hostile and broken bodies sent to a running mashd (issue 7's bad-input fault
/// suite): every document JSON must reject is answered 400, nothing answers 5xx,
/// nothing takes 5 s, nothing is stored, and the daemon serves normally after.
@Suite("mashd against bad input", .serialized)
struct BadInputTests {
    /// JSONTestSuite's must-reject (`n_`) kinds, one or more of each, plus the
    /// hostile ones: deep nesting, invalid UTF-8, lone surrogates, duplicate keys,
    /// numbers beyond any range, and bodies that are not JSON at all.
    static let mustReject: [(name: String, body: [UInt8])] = {
        var cases: [(String, String)] = [
            ("empty", ""), ("whitespace only", " \n\t "), ("trailing comma in array", "[1,]"),
            ("trailing comma in object", #"{"reference": "A",}"#), ("leading comma", "[,1]"), ("double comma", "[1,,2]"),
            ("missing value", #"{"reference":}"#), ("missing key", #"{:"A"}"#), ("missing colon", #"{"reference" "A"}"#),
            ("unquoted key", "{reference: 1}"), ("single quotes", "{'reference': 'A'}"), ("unclosed array", "[1, 2"),
            ("unclosed object", #"{"reference": "A""#), ("unclosed string", #"{"reference": "A}"#), ("extra close", "{}}"),
            ("two values", "{} {}"), ("garbage after", "{}x"), ("leading zero", #"{"n": 01}"#), ("bare minus", #"{"n": -}"#),
            ("plus sign", #"{"n": +1}"#), ("hex number", #"{"n": 0x1}"#), ("dot first", #"{"n": .5}"#), ("dot last", #"{"n": 1.}"#),
            ("empty exponent", #"{"n": 1e}"#), ("signed empty exponent", #"{"n": 1e+}"#), ("NaN", #"{"n": NaN}"#),
            ("Infinity", #"{"n": Infinity}"#), ("capital True", #"{"b": True}"#), ("truncated true", #"{"b": tru}"#),
            ("truncated null", #"{"b": nul}"#), ("invalid escape", #"{"s": "a\qb"}"#), ("short unicode escape", #"{"s": "\u00"}"#),
            ("bad unicode escape", #"{"s": "\uZZZZ"}"#), ("comment", "/* c */ {}"), ("line comment", "{} // c"),
            ("raw tab in string", "{\"s\": \"a\tb\"}"), ("raw newline in string", "{\"s\": \"a\nb\"}"), ("raw NUL in string", "{\"s\": \"a\u{0}b\"}"),
            ("lone high surrogate", #"{"reference": "\uD800"}"#), ("lone low surrogate", #"{"reference": "\uDC00x"}"#),
            ("reversed surrogates", #"{"reference": "\uDC00\uD800"}"#), ("duplicate key", #"{"reference": "A", "reference": "B"}"#),
            ("huge exponent", #"{"reference": "A", "children": 1e999999}"#),
            ("huge integer", #"{"reference": "A", "children": 123456789012345678901234567890123456789012345678901234567890}"#),
            ("a string, not an object", #""referral""#), ("an array, not an object", "[]"), ("null", "null"),
            ("deep nesting", String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)),
            ("deep nesting, unclosed", String(repeating: "{\"a\":", count: 100_000)),
        ]
        cases.append(("BOM", "\u{FEFF}{}"))
        var raw = cases.map { ($0.0, Array($0.1.utf8)) }
        raw.append(("invalid UTF-8", Array(#"{"reference": ""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)))
        raw.append(("overlong UTF-8", Array(#"{"reference": ""#.utf8) + [0xC0, 0xAF] + Array(#""}"#.utf8)))
        raw.append(("encoded surrogate", Array(#"{"reference": ""#.utf8) + [0xED, 0xA0, 0x80] + Array(#""}"#.utf8)))
        raw.append(("truncated UTF-8", Array(#"{"reference": ""#.utf8) + [0xE2, 0x82]))
        raw.append(("UTF-16", Array("{}".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })))
        return raw
    }()

    @Test func everyMustRejectBodyIs400AndTheDaemonStaysHealthy() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        let daemon = try await DaemonProcess(database: setup.database)
        let url = daemon.baseURL.appendingPathComponent("v1/referrals")
        var slowest: (name: String, time: Duration) = ("", .zero)
        for (name, body) in Self.mustReject {
            let started = ContinuousClock.now
            let response = try await HTTP.send("POST", url, token: setup.policeToken, body: Data(body))
            let took = ContinuousClock.now - started
            if took > slowest.time { slowest = (name, took) }
            #expect(response.status == 400, "\(name): \(response.status) \(response.text.prefix(300))")
            #expect(response.headers["content-type"]?.hasPrefix("application/problem+json") == true, "\(name)")
            #expect(took < .seconds(5), "\(name) took \(took)")
        }
        #expect(slowest.time < .seconds(5), "slowest: \(slowest.name), \(slowest.time)")
        #expect(try await Fixtures.count(setup.store) == 0, "nothing stored")
        #expect(daemon.isRunning)
        #expect(try await HTTP.send("GET", daemon.baseURL.appendingPathComponent("healthz")).status == 200)
        let valid = try await HTTP.send("POST", url, token: setup.policeToken, body: Fixtures.referral(reference: "AFTER-BAD-INPUT"))
        #expect(valid.status == 201, "serves normally after: \(valid.text)")
    }

    /// Bodies too large, sent as a whole or streamed without a length, and
    /// methods and paths that do not exist: clear 4xx, never 5xx.
    @Test func oversizedBodiesAndUnknownRoutesAreRefusedCleanly() async throws {
        let setup = try await Fixtures.setup(try await TestCluster.freshDatabase())
        let daemon = try await DaemonProcess(database: setup.database)
        let url = daemon.baseURL.appendingPathComponent("v1/referrals")
        let tooBig = Data(#"{"reference": ""#.utf8) + Data(repeating: UInt8(ascii: "a"), count: 2 << 20) + Data(#""}"#.utf8)
        let big = try await HTTP.send("POST", url, token: setup.policeToken, body: tooBig)
        #expect(big.status == 413, "\(big.status)")
        for (method, path) in [("GET", "v1/nothing"), ("DELETE", "v1/referrals"), ("PUT", "v1/referrals/x"), ("POST", "v1/hubs/none/leases")] {
            let response = try await HTTP.send(method, daemon.baseURL.appendingPathComponent(path), token: setup.policeToken, body: method == "GET" ? nil : Data("{}".utf8))
            #expect((400..<500).contains(response.status), "\(method) \(path): \(response.status)")
        }
        let wrongType = try await HTTP.send("POST", url, token: setup.policeToken, contentType: "text/plain", body: Fixtures.referral(reference: "T"))
        #expect((400..<500).contains(wrongType.status), "\(wrongType.status)")
        #expect(try await HTTP.send("GET", daemon.baseURL.appendingPathComponent("healthz")).status == 200)
    }
}
