import Foundation

/// Runs a program to completion with `posix_spawn` and `waitpid`, waiting on a
/// thread of its own (`OwnThread`).
///
/// Foundation's `Process` was seen here never to notice that `runuser` had exited
/// (left a zombie) when the program started a daemon; this does only what is needed.
public enum ChildProcess {
    /// Runs `argv` with standard input from /dev/null and standard output and error
    /// into temporary files (not pipes: `pg_ctl start` leaves the server holding its
    /// output, so a pipe would never end): merged into `output` unless `separateErrors`.
    public static func run(_ argv: [String], separateErrors: Bool = false) async throws -> (status: Int32, output: String, errors: String) {
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("mash-\(UUID().uuidString).out").path
        let errorPath = outputPath + ".err"
        defer { unlink(outputPath); unlink(errorPath) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        if separateErrors {
            posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }

        let pid = try spawn(argv, actions: &actions)
        let exitCode = await exitCode(of: pid)
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let errors = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
        return (exitCode, output, errors)
    }

    /// Starts `argv` in the background with standard output and error appended to
    /// `logPath`, and `environment` added to this process's, and returns its process id.
    public static func start(_ argv: [String], logPath: String, environment: [String: String] = [:]) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        return try spawn(argv, actions: &actions, environment: environment)
    }

    /// Waits for `pid` to end and returns its exit code; killed by a signal, 128 + the
    /// signal, as shells report it.
    public static func exitCode(of pid: pid_t) async -> Int32 {
        await OwnThread.run {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
            return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        }
    }

    /// True while `pid` has not ended (and not been waited for).
    public static func isRunning(_ pid: pid_t) -> Bool {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == 0
    }

    private static func spawn(_ argv: [String], actions: inout posix_spawn_file_actions_t, environment: [String: String] = [:]) throws -> pid_t {
        let arguments = argv.map { strdup($0) } + [nil]
        defer { arguments.forEach { free($0) } }
        var merged = ProcessInfo.processInfo.environment
        merged.merge(environment) { _, new in new }
        let variables = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { variables.forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, arguments, variables)
        guard spawned == 0 else {
            throw LocalClusterError(program: argv[0], status: spawned, output: "cannot start: \(String(cString: strerror(spawned)))")
        }
        return pid
    }
}
