import Foundation

/// One dedicated OS thread that runs submitted jobs in order, one at a time.
///
/// libpq calls block, and blocking Swift's cooperative thread pool starves every
/// other task, so each connection gets a thread of its own: the connection is only
/// ever touched by jobs on its thread, which is what makes sharing its handle safe.
final class ConfinementThread: @unchecked Sendable {
    // All mutable state is guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var nextJob = 0
    private var stopping = false

    init(name: String) {
        let thread = Thread { [self] in self.runLoop() }
        thread.name = name
        thread.start()
    }

    /// Queues `job` to run on this thread after the jobs already queued.
    /// Returns false, without queueing, once `stop()` has been called.
    @discardableResult
    func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping else { return false }
        jobs.append(job)
        condition.signal()
        return true
    }

    /// Lets queued jobs finish, then ends the thread.
    func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    private func runLoop() {
        while true {
            condition.lock()
            while nextJob == jobs.count && !stopping { condition.wait() }
            if nextJob == jobs.count {
                condition.unlock()
                return
            }
            let job = jobs[nextJob]
            nextJob += 1
            if nextJob == jobs.count {
                jobs.removeAll(keepingCapacity: true)
                nextJob = 0
            }
            condition.unlock()
            job()
        }
    }

    /// Runs `body` on this thread and returns its result to the awaiting task.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let queued = submit { continuation.resume(with: Result { try body() }) }
            if !queued {
                continuation.resume(throwing: PostgresError(code: .closed, message: "the connection has been closed"))
            }
        }
    }
}
