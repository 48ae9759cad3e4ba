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
        // A plain pthread that records its name in a thread-specific slot, so code
        // can tell that it runs on a connection's thread and not elsewhere.
        let context = Unmanaged.passRetained(StartContext(thread: self, name: name)).toOpaque()
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { context in
            let start = Unmanaged<StartContext>.fromOpaque(context!).takeRetainedValue()
            pthread_setspecific(ConfinementThread.nameKey, strdup(start.name))
            start.thread.runLoop()
            return nil
        }, context)
        precondition(created == 0, "cannot create a thread for a database connection: \(created)")
        pthread_detach(thread)
    }

    /// The name of the confinement thread running the caller, or "" on any other thread.
    static var currentName: String {
        guard let name = pthread_getspecific(nameKey) else { return "" }
        return String(cString: name.assumingMemoryBound(to: CChar.self))
    }

    /// The thread-specific slot holding a confinement thread's name (freed when it ends).
    private static let nameKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { free($0) }
        return key
    }()

    private final class StartContext {
        let thread: ConfinementThread
        let name: String
        init(thread: ConfinementThread, name: String) {
            self.thread = thread
            self.name = name
        }
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
