import Foundation

/// A private PostgreSQL cluster in a directory of its own, reachable only through
/// a Unix socket inside that directory: used by `mashd --dev`, `mashctl --dev`, the
/// tests and the benchmarks, so that no run collides with another on a TCP port.
///
/// Layout under `directory`: `data/` (the cluster), `run/` (the socket), `server.log`.
/// When the process runs as root the cluster runs as the `postgres` user, since
/// PostgreSQL refuses to run as root.
public struct LocalCluster: Sendable {
    public let directory: URL
    /// The superuser `initdb` creates.
    public static let superuser = "postgres"

    public init(directory: URL) {
        self.directory = directory.standardizedFileURL
    }

    public var dataDirectory: URL { directory.appendingPathComponent("data") }
    public var socketDirectory: URL { directory.appendingPathComponent("run") }
    public var logFile: URL { directory.appendingPathComponent("server.log") }

    /// A libpq connection string for `database` as `user` (the superuser by default).
    public func connectionString(database: String = "postgres", user: String = LocalCluster.superuser) -> String {
        "host=\(socketDirectory.path) port=5432 user=\(user) dbname=\(database)"
    }

    public var isInitialised: Bool {
        FileManager.default.fileExists(atPath: dataDirectory.appendingPathComponent("PG_VERSION").path)
    }

    public var isRunning: Bool {
        get async {
            guard FileManager.default.fileExists(atPath: postmasterFile.path) else { return false }
            return (try? await run("pg_ctl", ["-D", dataDirectory.path, "status"])) != nil
        }
    }

    /// The running server's lock file: its process id on the first line.
    var postmasterFile: URL { dataDirectory.appendingPathComponent("postmaster.pid") }

    /// Creates the cluster if it does not exist yet. Trust authentication is safe
    /// here because the only way in is the socket in a directory only its owner reads.
    public func initialiseIfNeeded() async throws {
        try prepareDirectories()
        guard !isInitialised else { return }
        try await run("initdb", [
            "-D", dataDirectory.path, "-U", Self.superuser, "--auth=trust",
            "--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions",
        ])
    }

    /// Creates the cluster as a streaming standby of `primary` (which must be
    /// running): a base backup with `-R`, so that it starts as a hot standby
    /// replicating from the primary's socket until it is promoted.
    public func initialiseAsStandby(of primary: LocalCluster) async throws {
        try prepareDirectories()
        try await run("pg_basebackup", [
            "-h", primary.socketDirectory.path, "-p", "5432", "-U", Self.superuser,
            "-D", dataDirectory.path, "-R", "-X", "stream", "-c", "fast",
        ])
    }

    /// Makes a standby a primary, and waits until it accepts writes.
    public func promote() async throws {
        try await run("pg_ctl", ["-D", dataDirectory.path, "-w", "-t", "60", "promote"])
    }

    /// Starts the server, with `settings` as `-c name=value` options, and waits
    /// until it accepts connections.
    public func start(settings: [String: String] = [:]) async throws {
        var options = ["listen_addresses=''", "unix_socket_directories='\(socketDirectory.path)'"]
        options += settings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        try await run("pg_ctl", [
            "-D", dataDirectory.path, "-l", logFile.path, "-w", "-t", "60",
            "-o", options.map { "-c \($0)" }.joined(separator: " "), "start",
        ])
    }

    /// Stops the server: `fast` rolls back open transactions and shuts down
    /// cleanly; `immediate` is a crash, recovered from WAL on the next start.
    public func stop(mode: String = "fast") async throws {
        try await run("pg_ctl", ["-D", dataDirectory.path, "-m", mode, "-w", "-t", "60", "stop"])
    }

    /// The immediate stop, for exit handlers, where nothing asynchronous runs any
    /// more: sends the server SIGQUIT, as `pg_ctl -m immediate` does, and blocks
    /// until it has gone (at most 10 s).
    public func stopAtExit() {
        guard let contents = try? String(contentsOf: postmasterFile, encoding: .utf8),
              let line = contents.split(separator: "\n").first, let pid = pid_t(line), kill(pid, SIGQUIT) == 0
        else { return }
        let deadline = ContinuousClock.now + .seconds(10)
        while kill(pid, 0) == 0 && ContinuousClock.now < deadline { usleep(20_000) }
    }

    /// Creates `name` if it does not exist, optionally as a copy of `template`.
    public func createDatabase(_ name: String, template: String? = nil) async throws {
        var arguments = ["-h", socketDirectory.path, "-U", Self.superuser]
        if let template { arguments += ["-T", template] }
        do {
            try await run("createdb", arguments + [name])
        } catch let error as LocalClusterError where error.output.contains("already exists") {
            return
        }
    }

    // MARK: Running the server's programs

    /// Runs one of PostgreSQL's programs (as `postgres` when we are root) and returns
    /// its output; throws with that output when it fails.
    @discardableResult
    func run(_ program: String, _ arguments: [String]) async throws -> String {
        let executable = try Self.serverProgram(program).path
        let argv = getuid() == 0 ? ["/usr/sbin/runuser", "-u", Self.superuser, "--", executable] + arguments : [executable] + arguments
        let (status, output, _) = try await ChildProcess.run(argv)
        guard status == 0 else { throw LocalClusterError(program: program, status: status, output: output) }
        return output
    }

    /// Finds a PostgreSQL server program: `MASH_PG_BINDIR`, then the newest
    /// `/usr/lib/postgresql/*/bin` (Debian), then `PATH`.
    static func serverProgram(_ name: String) throws -> URL {
        let fileManager = FileManager.default
        var candidates: [URL] = []
        if let directory = ProcessInfo.processInfo.environment["MASH_PG_BINDIR"] {
            candidates.append(URL(fileURLWithPath: directory))
        }
        let debian = URL(fileURLWithPath: "/usr/lib/postgresql")
        let versions = (try? fileManager.contentsOfDirectory(atPath: debian.path)) ?? []
        for version in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) }) {
            candidates.append(debian.appendingPathComponent(version).appendingPathComponent("bin"))
        }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            candidates.append(URL(fileURLWithPath: String(directory)))
        }
        for directory in candidates {
            let program = directory.appendingPathComponent(name)
            if fileManager.isExecutableFile(atPath: program.path) { return program }
        }
        throw LocalClusterError(
            program: name, status: -1,
            output: "\(name) not found: install PostgreSQL's server (apt-get install postgresql) or set MASH_PG_BINDIR"
        )
    }

    /// The cluster's directory and socket directory, handed to the server's user.
    private func prepareDirectories() throws {
        try FileManager.default.createDirectory(at: socketDirectory, withIntermediateDirectories: true)
        try handOverToServerUser(directory)
        try handOverToServerUser(socketDirectory)
    }

    /// As root, the server runs as `postgres`, which must own its directories and be
    /// able to reach them.
    private func handOverToServerUser(_ url: URL) throws {
        guard getuid() == 0 else { return }
        guard let user = getpwnam(Self.superuser) else {
            throw LocalClusterError(program: "runuser", status: -1, output: "running as root needs a 'postgres' user to run the cluster")
        }
        guard chown(url.path, user.pointee.pw_uid, user.pointee.pw_gid) == 0 else {
            throw LocalClusterError(program: "chown", status: errno, output: "cannot hand \(url.path) to the postgres user")
        }
        chmod(url.path, 0o700)
        // Every parent must be searchable by postgres, or the server cannot reach its files.
        var parent = url.deletingLastPathComponent()
        while parent.path != "/" {
            var status = stat()
            guard stat(parent.path, &status) == 0 else { break }
            let searchBit: mode_t = status.st_uid == user.pointee.pw_uid ? 0o100 : (status.st_gid == user.pointee.pw_gid ? 0o010 : 0o001)
            if status.st_mode & searchBit == 0 {
                throw LocalClusterError(
                    program: "runuser", status: -1,
                    output: "the postgres user cannot reach \(url.path): \(parent.path) is not searchable by others; use a directory under one that is"
                )
            }
            parent = parent.deletingLastPathComponent()
        }
    }
}

/// A PostgreSQL program failed; `output` is what it printed.
public struct LocalClusterError: Error, CustomStringConvertible {
    public let program: String
    public let status: Int32
    public let output: String
    public var description: String {
        "\(program) failed (\(status)): \(output.trimmingCharacters(in: .whitespacesAndNewlines))"
    }
}
