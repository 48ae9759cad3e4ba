import Foundation

/// Work that blocks its thread (waiting for a child process, a socket read with a
/// timeout), run on a thread of its own: on one of the few threads of Swift's
/// cooperative pool it would stall every other task of the process meanwhile.
public enum OwnThread {
    /// Runs `work` on a new thread and returns its result.
    public static func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: work()) }
        }
    }

    /// Runs `work` on a new thread and returns its result, or throws its error.
    public static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await run { Result { try work() } }.get()
    }
}
