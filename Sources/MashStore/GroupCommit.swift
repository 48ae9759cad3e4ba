import Synchronization

/// Coalesces concurrent submissions into batches written together, so that many
/// referrals share one statement and one commit instead of paying for one each.
///
/// A submission waits only while earlier batches are being written: the first to
/// arrive when fewer than `maxConcurrentBatches` writers are busy starts a writer
/// at once, which takes everything pending (up to `maxBatchSize`) and keeps going
/// until nothing is left. There is no timer and no added delay. Each submitter gets
/// its own outcome back only when `write` has returned, that is after its batch was
/// committed; writers are unstructured tasks, so a submitter that goes away cannot
/// cancel a batch that holds its neighbours' referrals.
///
/// A writer runs inside one session (for the store, a pooled connection, on that
/// connection's own thread) from its first batch to its last, so that batches
/// following one another under load cost no hop between threads. A session that
/// `isUsable` says is no longer usable (a broken connection) is left after its
/// batch, and the writer goes on in a new one.
final class GroupCommit<Item: Sendable, Outcome: Sendable, Session>: Sendable {
    /// Writes a batch in a session and returns one result per item, in order.
    typealias Write = @Sendable ([Item], Session) -> [Result<Outcome, any Error>]
    /// Runs a writer in a new session and returns what it returns; throws when
    /// no session can be had (for the store, no connection).
    typealias OpenSession = @Sendable (_ writer: @escaping @Sendable (Session) -> WriterEnd) async throws -> WriterEnd

    /// Why a writer left its session.
    enum WriterEnd: Sendable {
        /// Nothing was left to write: the writer has retired.
        case drained
        /// The session became unusable after a batch: the writer has not
        /// retired, and goes on in a new session for whatever is pending.
        case sessionUnusable
    }

    let maxBatchSize: Int
    let maxConcurrentBatches: Int
    private let openSession: OpenSession
    private let isUsable: @Sendable (Session) -> Bool
    private let write: Write
    private let state = Mutex(State())

    private struct Pending {
        let item: Item
        let continuation: CheckedContinuation<Outcome, any Error>
    }

    private struct State: ~Copyable {
        var pending: [Pending] = []
        var writers = 0
    }

    init(
        maxBatchSize: Int, maxConcurrentBatches: Int, openSession: @escaping OpenSession,
        isUsable: @escaping @Sendable (Session) -> Bool, write: @escaping Write
    ) {
        precondition(maxBatchSize > 0 && maxConcurrentBatches > 0, "batches need room for at least one item and one writer")
        self.maxBatchSize = maxBatchSize
        self.maxConcurrentBatches = maxConcurrentBatches
        self.openSession = openSession
        self.isUsable = isUsable
        self.write = write
    }

    /// Submissions waiting for a writer (not counting those being written).
    var queued: Int { state.withLock { $0.pending.count } }

    /// Queues `item` for the next batch and returns its outcome once written.
    func submit(_ item: Item) async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            let startsWriter = state.withLock { state in
                state.pending.append(Pending(item: item, continuation: continuation))
                guard state.writers < maxConcurrentBatches else { return false }
                state.writers += 1
                return true
            }
            if startsWriter { Task { await self.writeUntilDrained() } }
        }
    }

    private func writeUntilDrained() async {
        while true {
            do {
                guard try await openSession({ self.writeBatches(in: $0) }) == .sessionUnusable else { return }
            } catch {
                // No session: the next batch fails with the reason, and the
                // writer tries again for whatever is left.
                guard let batch = nextBatch() else { return }
                for pending in batch { pending.continuation.resume(throwing: error) }
            }
        }
    }

    /// Writes batch after batch in `session` until nothing is left or the session is unusable.
    private func writeBatches(in session: Session) -> WriterEnd {
        while let batch = nextBatch() {
            let results = write(batch.map(\.item), session)
            precondition(results.count == batch.count, "a batch write must return one result per item")
            // One task hands every submitter its outcome: resuming each from this
            // thread would wake an executor thread per submitter.
            Task {
                for (pending, result) in zip(batch, results) {
                    pending.continuation.resume(with: result)
                }
            }
            guard isUsable(session) else { return .sessionUnusable }
        }
        return .drained
    }

    /// The next batch; nil when nothing is pending, and then this writer has retired.
    private func nextBatch() -> [Pending]? {
        state.withLock { state in
            guard !state.pending.isEmpty else {
                state.writers -= 1
                return nil
            }
            let count = min(maxBatchSize, state.pending.count)
            defer { state.pending.removeFirst(count) }
            return Array(state.pending.prefix(count))
        }
    }
}
