@testable import MashStore
import Foundation
import Synchronization
import Testing

/// Group commit on its own, with a write function standing in for the database
/// and numbered sessions standing in for its connections: what it batches, who
/// gets which outcome, how far writers run in parallel, and which session each
/// batch is written in.
@Suite("Group commit")
struct GroupCommitTests {
    struct Refused: Error, Equatable { let item: Int }
    struct NoSession: Error {}

    /// A stand-in connection: its number, and whether it still works.
    final class Session: Sendable {
        let number: Int
        let usable = Atomic<Bool>(true)
        init(number: Int) { self.number = number }
    }

    /// Opens numbered sessions, each running its writer on a thread of its own as
    /// a pooled connection does, and records every batch written and in which session.
    final class Recorder: Sendable {
        let batches = Mutex<[(session: Int, items: [Int])]>([])
        let running = Mutex((now: 0, most: 0))
        /// While true, a write waits.
        let held = Atomic<Bool>(false)
        /// While true, opening a session waits.
        let opensHeld = Atomic<Bool>(false)
        /// While above zero, opening a session fails, this many more times.
        let failingOpens = Atomic<Int>(0)
        /// The session written in is unusable after writing an item of this value.
        let breaksOn = Atomic<Int>(.min)
        private let sessionsOpened = Atomic<Int>(0)

        var sessions: Int { sessionsOpened.load(ordering: .acquiring) }
        var sizes: [Int] { batches.withLock { $0.map(\.items.count) } }

        func commit(maxBatchSize: Int, maxConcurrentBatches: Int) -> GroupCommit<Int, Int, Session> {
            GroupCommit(
                maxBatchSize: maxBatchSize, maxConcurrentBatches: maxConcurrentBatches,
                openSession: { try await self.open(writer: $0) }, isUsable: { $0.usable.load(ordering: .acquiring) },
                write: { self.write($0, in: $1) }
            )
        }

        private func open(writer: @escaping @Sendable (Session) -> GroupCommit<Int, Int, Session>.WriterEnd) async throws -> GroupCommit<Int, Int, Session>.WriterEnd {
            while opensHeld.load(ordering: .acquiring) { try await Task.sleep(for: .milliseconds(2)) }
            if failingOpens.wrappingSubtract(1, ordering: .acquiringAndReleasing).oldValue > 0 { throw NoSession() }
            let session = Session(number: sessionsOpened.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue)
            return await withCheckedContinuation { continuation in
                Thread { continuation.resume(returning: writer(session)) }.start()
            }
        }

        private func write(_ batch: [Int], in session: Session) -> [Result<Int, any Error>] {
            batches.withLock { $0.append((session.number, batch)) }
            running.withLock { $0.now += 1; $0.most = max($0.most, $0.now) }
            while held.load(ordering: .acquiring) { usleep(2_000) }
            usleep(5_000)
            running.withLock { $0.now -= 1 }
            if batch.contains(breaksOn.load(ordering: .acquiring)) { session.usable.store(false, ordering: .releasing) }
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

    /// Submits `first` and waits until its batch is being written (and held),
    /// then submits `rest` and waits until they are queued behind it; then lets
    /// the writes go and returns each item's outcome.
    func submitBehindAHeldWrite(_ first: Int, _ rest: [Int], to commit: GroupCommit<Int, Int, Session>, _ recorder: Recorder) async throws -> [Int: Result<Int, any Error>] {
        recorder.held.store(true, ordering: .releasing)
        return try await withThrowingTaskGroup(of: (Int, Result<Int, any Error>).self) { group in
            let submit = { @Sendable (item: Int) async -> (Int, Result<Int, any Error>) in
                do { return (item, .success(try await commit.submit(item))) } catch { return (item, .failure(error)) }
            }
            group.addTask { await submit(first) }
            try await waitUntil { !recorder.batches.withLock { $0.isEmpty } }
            for item in rest { group.addTask { await submit(item) } }
            try await waitUntil { commit.queued == rest.count }
            recorder.held.store(false, ordering: .releasing)
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
    }

    @Test func submissionsArrivingDuringAWriteShareTheNextBatchInTheSameSession() async throws {
        let recorder = Recorder()
        let commit = recorder.commit(maxBatchSize: 4, maxConcurrentBatches: 1)
        let outcomes = try await submitBehindAHeldWrite(1, Array(2...11), to: commit, recorder)
        #expect(outcomes.mapValues { try? $0.get() } == Dictionary(uniqueKeysWithValues: (1...11).map { ($0, $0 * 10) }), "each submitter gets its own outcome")
        #expect(recorder.sizes == [1, 4, 4, 2], "the first alone, then the queue in batches of at most 4")
        #expect(recorder.sessions == 1 && recorder.batches.withLock { $0.allSatisfy { $0.session == 1 } }, "one session from the first batch to the last")
        #expect(commit.queued == 0)
    }

    @Test func aFailedItemFailsOnlyItsOwnSubmitter() async throws {
        let recorder = Recorder()
        let commit = recorder.commit(maxBatchSize: 8, maxConcurrentBatches: 1)
        let results = try await submitBehindAHeldWrite(1, [-2, 3, -4, 5], to: commit, recorder)
        #expect(results.mapValues { try? $0.get() } == [1: 10, -2: nil, 3: 30, -4: nil, 5: 50])
        #expect(throws: Refused(item: -2)) { try results[-2]?.get() }
        #expect(throws: Refused(item: -4)) { try results[-4]?.get() }
    }

    @Test func aSessionThatBreaksIsLeftAndTheRestAreWrittenInANewOne() async throws {
        let recorder = Recorder()
        recorder.breaksOn.store(3, ordering: .releasing)
        let commit = recorder.commit(maxBatchSize: 2, maxConcurrentBatches: 1)
        let outcomes = try await submitBehindAHeldWrite(1, Array(2...7), to: commit, recorder)
        #expect(outcomes.mapValues { try? $0.get() } == Dictionary(uniqueKeysWithValues: (1...7).map { ($0, $0 * 10) }))
        let written = recorder.batches.withLock { $0.map { [$0.session] + $0.items } }
        #expect(written == [[1, 1], [1, 2, 3], [2, 4, 5], [2, 6, 7]], "the batch holding 3 broke session 1; the writer went on in session 2")
    }

    @Test func withNoSessionTheNextBatchFailsAndTheRestAreWrittenInANewOne() async throws {
        let recorder = Recorder()
        let commit = recorder.commit(maxBatchSize: 2, maxConcurrentBatches: 1)
        recorder.failingOpens.store(1, ordering: .releasing)
        recorder.opensHeld.store(true, ordering: .releasing)
        let results = try await withThrowingTaskGroup(of: (Int, Result<Int, any Error>).self) { group in
            for item in 1...5 {
                group.addTask {
                    do { return (item, .success(try await commit.submit(item))) } catch { return (item, .failure(error)) }
                }
            }
            try await waitUntil { commit.queued == 5 }
            recorder.opensHeld.store(false, ordering: .releasing)
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        #expect(throws: NoSession.self) { try results[1]?.get() }
        #expect(throws: NoSession.self) { try results[2]?.get() }
        #expect(results.mapValues { try? $0.get() } == [1: nil, 2: nil, 3: 30, 4: 40, 5: 50], "only the batch that found no session failed")
        #expect(recorder.batches.withLock { $0.map { [$0.session] + $0.items } } == [[1, 3, 4], [1, 5]])
    }

    @Test func noMoreBatchesRunAtOnceThanAllowed() async throws {
        let recorder = Recorder()
        let commit = recorder.commit(maxBatchSize: 2, maxConcurrentBatches: 3)
        let total = try await withThrowingTaskGroup(of: Int.self) { group in
            for item in 0..<60 { group.addTask { try await commit.submit(item) } }
            return try await group.reduce(0, +)
        }
        #expect(total == (0..<60).reduce(0, +) * 10)
        let most = recorder.running.withLock { $0.most }
        #expect(most <= 3)
        #expect(most >= 2, "with 60 waiting, more than one writer should have run")
        #expect(recorder.batches.withLock { $0.allSatisfy { $0.items.count <= 2 } })
    }
}
