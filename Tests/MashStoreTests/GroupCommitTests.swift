@testable import MashStore
import Synchronization
import Testing

/// Group commit on its own, with a write function standing in for the database:
/// what it batches, who gets which outcome, and how far writers run in parallel.
@Suite("Group commit")
struct GroupCommitTests {
    struct Refused: Error, Equatable { let item: Int }

    /// Records every batch written; a write waits while `held` is true.
    final class Recorder: Sendable {
        let batches = Mutex<[[Int]]>([])
        let running = Mutex((now: 0, most: 0))
        let held = Atomic<Bool>(false)

        func write(_ batch: [Int]) async -> [Result<Int, any Error>] {
            batches.withLock { $0.append(batch) }
            running.withLock { $0.now += 1; $0.most = max($0.most, $0.now) }
            while held.load(ordering: .acquiring) { try? await Task.sleep(for: .milliseconds(2)) }
            try? await Task.sleep(for: .milliseconds(5))
            running.withLock { $0.now -= 1 }
            return batch.map { $0 < 0 ? .failure(Refused(item: $0)) : .success($0 * 10) }
        }
    }

    struct TimedOut: Error {}

    /// Waits (up to 10 s) until `condition` holds.
    func waitUntil(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition() {
            guard ContinuousClock.now < deadline else { throw TimedOut() }
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    @Test func submissionsArrivingDuringAWriteShareTheNextBatch() async throws {
        let recorder = Recorder()
        let commit = GroupCommit<Int, Int>(maxBatchSize: 4, maxConcurrentBatches: 1, write: recorder.write)
        recorder.held.store(true, ordering: .releasing)
        let outcomes = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            group.addTask { (1, try await commit.submit(1)) }
            try await waitUntil { recorder.batches.withLock { !$0.isEmpty } }
            for item in 2...11 { group.addTask { (item, try await commit.submit(item)) } }
            try await waitUntil { commit.queued == 10 }
            recorder.held.store(false, ordering: .releasing)
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        #expect(outcomes == Dictionary(uniqueKeysWithValues: (1...11).map { ($0, $0 * 10) }), "each submitter gets its own outcome")
        let sizes = recorder.batches.withLock { $0.map(\.count) }
        #expect(sizes == [1, 4, 4, 2], "the first alone, then the queue in batches of at most 4")
        #expect(commit.queued == 0)
    }

    @Test func aFailedItemFailsOnlyItsOwnSubmitter() async throws {
        let recorder = Recorder()
        let commit = GroupCommit<Int, Int>(maxBatchSize: 8, maxConcurrentBatches: 1, write: recorder.write)
        recorder.held.store(true, ordering: .releasing)
        let results = try await withThrowingTaskGroup(of: (Int, Result<Int, Refused>).self) { group in
            for item in [1, -2, 3, -4, 5] {
                group.addTask {
                    do { return (item, .success(try await commit.submit(item))) } catch { return (item, .failure(error as! Refused)) }
                }
            }
            try await waitUntil { commit.queued + recorder.batches.withLock { $0.joined().count } == 5 }
            recorder.held.store(false, ordering: .releasing)
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        #expect(results[1] == .success(10) && results[3] == .success(30) && results[5] == .success(50))
        #expect(results[-2] == .failure(Refused(item: -2)) && results[-4] == .failure(Refused(item: -4)))
    }

    @Test func noMoreBatchesRunAtOnceThanAllowed() async throws {
        let recorder = Recorder()
        let commit = GroupCommit<Int, Int>(maxBatchSize: 2, maxConcurrentBatches: 3, write: recorder.write)
        let total = try await withThrowingTaskGroup(of: Int.self) { group in
            for item in 0..<60 { group.addTask { try await commit.submit(item) } }
            return try await group.reduce(0, +)
        }
        #expect(total == (0..<60).reduce(0, +) * 10)
        let most = recorder.running.withLock { $0.most }
        #expect(most <= 3)
        #expect(most >= 2, "with 60 waiting, more than one writer should have run")
        #expect(recorder.batches.withLock { $0.allSatisfy { $0.count <= 2 } })
    }
}
