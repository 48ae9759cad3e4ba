import Foundation

/// Runs a program to completion with `posix_spawn` and `waitpid`.
///
/// Foundation's `Process` was seen here never to notice that `runuser` had exited
/// (left a zombie) when the program started a daemon; this does only what is needed.
public enum ChildProcess {
    /// Runs `argv` with standard input from /dev/null and standard output and error
    /// into temporary files (not pipes: `pg_ctl start` leaves the server holding its
    /// output, so a pipe would never end): merged into `output` unless `separateErrors`.
    public static func run(_ argv: [String], separateErrors: Bool = false) throws -> (status: Int32, output: String, errors: String) {
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

        let arguments = argv.map { strdup($0) } + [nil]
        defer { arguments.forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, arguments, environ)
        guard spawned == 0 else {
            throw LocalClusterError(program: argv[0], status: spawned, output: "cannot start: \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let errors = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
        // Exited normally: its exit code; killed by a signal: 128 + the signal, as shells report it.
        let exitCode = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (exitCode, output, errors)
    }
}
