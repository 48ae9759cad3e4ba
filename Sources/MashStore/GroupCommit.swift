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
final class GroupCommit<Item: Sendable, Outcome: Sendable>: Sendable {
    /// Writes a batch and returns one result per item, in order.
    typealias Write = @Sendable ([Item]) async -> [Result<Outcome, any Error>]

    let maxBatchSize: Int
    let maxConcurrentBatches: Int
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

    init(maxBatchSize: Int, maxConcurrentBatches: Int, write: @escaping Write) {
        precondition(maxBatchSize > 0 && maxConcurrentBatches > 0, "batches need room for at least one item and one writer")
        self.maxBatchSize = maxBatchSize
        self.maxConcurrentBatches = maxConcurrentBatches
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
            let batch = state.withLock { state -> [Pending] in
                guard !state.pending.isEmpty else {
                    state.writers -= 1
                    return []
                }
                let count = min(maxBatchSize, state.pending.count)
                defer { state.pending.removeFirst(count) }
                return Array(state.pending.prefix(count))
            }
            guard !batch.isEmpty else { return }
            let results = await write(batch.map(\.item))
            precondition(results.count == batch.count, "a batch write must return one result per item")
            for (pending, result) in zip(batch, results) {
                pending.continuation.resume(with: result)
            }
        }
    }
}
