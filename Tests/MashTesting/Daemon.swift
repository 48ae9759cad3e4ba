import Foundation
import LocalCluster
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A `mashd` process started by a test from the built binary, on a free port.
public final class DaemonProcess: Sendable {
    public let pid: pid_t
    public let port: Int
    public let outputFile: URL

    /// Starts `mashd` on `database` as it runs in production: as a login granted
    /// `mash_daemon`, with any further `arguments` and `environment`.
    public convenience init(database: TestDatabase, arguments: [String] = [], environment: [String: String] = [:]) async throws {
        try await self.init(databaseURL: database.connectionString(as: .daemon), arguments: arguments, environment: environment)
    }

    /// Starts `mashd --port 0` against `databaseURL`, with any further `arguments`
    /// and `environment`, and waits until it listens.
    public init(databaseURL: String, arguments: [String] = [], environment: [String: String] = [:]) async throws {
        outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("mashd-\(UUID().uuidString).log")
        pid = try ChildProcess.start(
            [try Self.binary("mashd").path, "--port", "0", "--database-url", databaseURL, "--pool-size", "8"] + arguments,
            logPath: outputFile.path, environment: environment
        )
        let deadline = ContinuousClock.now + .seconds(30)
        var found: Int?
        while found == nil && ContinuousClock.now < deadline && ChildProcess.isRunning(pid) {
            let log = (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
            found = log.split(separator: "\n").first { $0.hasPrefix("mashd listening on ") }
                .flatMap { $0.split(separator: ":").last }.flatMap { Int($0) }
            if found == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        guard let found else {
            Foundation.kill(pid, SIGKILL)
            throw TestFailure("mashd did not start: \((try? String(contentsOf: outputFile, encoding: .utf8)) ?? "")")
        }
        port = found
    }

    public var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }
    public var log: String { (try? String(contentsOf: outputFile, encoding: .utf8)) ?? "" }
    public var isRunning: Bool { ChildProcess.isRunning(pid) }

    /// SIGKILL: no cleanup, no goodbye.
    public func kill() async {
        Foundation.kill(pid, SIGKILL)
        _ = await ChildProcess.exitCode(of: pid)
    }

    /// SIGTERM, then the exit code.
    public func terminate() async -> Int32 {
        Foundation.kill(pid, SIGTERM)
        return await ChildProcess.exitCode(of: pid)
    }

    deinit { Foundation.kill(pid, SIGKILL) }

    /// A program built beside the test bundle (`swift build` builds both).
    public static func binary(_ name: String) throws -> URL {
        let directory = ProcessInfo.processInfo.environment["MASH_BIN_DIR"].map(URL.init(fileURLWithPath:))
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let url = directory.appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw TestFailure("\(url.path) is missing: run `swift build` before the tests (scripts/test does)")
        }
        return url
    }
}

/// A minimal HTTP client for the tests.
public enum HTTP {
    public struct Response: Sendable {
        public let status: Int
        public let headers: [String: String]
        public let body: Data
        public var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any]) ?? [:] }
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 15
        return URLSession(configuration: configuration)
    }()

    public static func send(_ method: String, _ url: URL, token: String? = nil, contentType: String? = "application/json", body: Data? = nil) async throws -> Response {
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.httpBody = body
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        let (data, response) = try await session.data(for: request)
        let http = response as! HTTPURLResponse
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields { headers[String(describing: key).lowercased()] = String(describing: value) }
        return Response(status: http.statusCode, headers: headers, body: data)
    }
}

/// Runs a built program to completion, for the CLI tests.
public enum CLI {
    public struct Result: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// Runs one of the built programs to its end.
    public static func run(_ program: String, _ arguments: [String]) async throws -> Result {
        try await run(argv: [try DaemonProcess.binary(program).path] + arguments)
    }

    /// Runs any program to its end.
    public static func run(argv: [String]) async throws -> Result {
        let result = try await ChildProcess.run(argv, separateErrors: true)
        return Result(status: result.status, stdout: result.output, stderr: result.errors)
    }
}

public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
