import Foundation
import MashConfig
import Postgres

/// Every SQL statement mash-broker runs, grouped by the records they touch (one
/// file each: agencies, hubs, tokens, referrals, quarantine, daemons).
public struct Store: Sendable {
    public let pool: ConnectionPool
    /// Wakes consumers waiting on an inbox when a referral is committed to it.
    public let signals: InboxSignals
    let intake: GroupCommit<ReferralSubmission, IntakeOutcome, PostgresConnection>
    let leasing: GroupCommit<LeaseClaim, [Lease], PostgresConnection>
    let acks: GroupCommit<LeaseEnding, LeaseOutcome, PostgresConnection>

    /// How concurrent referrals are coalesced into shared statements and commits.
    public struct Batching: Sendable {
        /// The most items written by one statement.
        public var maxBatchSize: Int
        /// The most batches being written at once, each on a pooled connection.
        /// By default mashd's `batchWriters` default, one: a referral arriving
        /// while a batch is written joins the next, so batches grow with the
        /// load and PostgreSQL pays for fewer statements and commits. More
        /// writers start a batch at once instead, which pays only where each
        /// write waits long on something other than this machine's CPU, such as
        /// a distant database (docs/ARCHITECTURE.md).
        public var maxConcurrentBatches: Int

        public init(maxBatchSize: Int = 64, maxConcurrentBatches: Int = DaemonConfiguration().batchWriters) {
            self.maxBatchSize = maxBatchSize
            self.maxConcurrentBatches = maxConcurrentBatches
        }

        /// Coalesces submissions as these settings say, each writer on a
        /// connection of `pool`, writing each batch with `write`.
        func groupCommit<Item, Outcome>(
            in pool: ConnectionPool, _ write: @escaping GroupCommit<Item, Outcome, PostgresConnection>.Write
        ) -> GroupCommit<Item, Outcome, PostgresConnection> {
            GroupCommit(
                maxBatchSize: maxBatchSize, maxConcurrentBatches: maxConcurrentBatches,
                openSession: { try await pool.withConnection($0) }, isUsable: { !$0.isBroken }, write: write
            )
        }
    }

    public init(pool: ConnectionPool, batching: Batching = Batching()) {
        self.pool = pool
        let signals = InboxSignals(pool: pool)
        self.signals = signals
        intake = batching.groupCommit(in: pool) { Store.storeReferrals($0, on: $1, signals: signals) }
        // Leases and acks are short statements: one writer each, so that whatever
        // arrives while one is written shares the next (docs/ARCHITECTURE.md).
        let delivery = Batching(maxBatchSize: batching.maxBatchSize, maxConcurrentBatches: 1)
        leasing = delivery.groupCommit(in: pool) { claims, connection in
            Store.writeSplittingOnFailure(claims) { try Store.lease($0, on: connection) }
        }
        acks = delivery.groupCommit(in: pool) { Store.acknowledge($0, on: $1) }
    }

    /// Runs `body` on a pooled connection, translating constraint violations into
    /// `StoreError`s a caller can explain.
    @discardableResult
    func run<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await pool.withConnection { connection in try Self.explained { try body(connection) } }
    }

    /// Runs `body`, translating constraint violations into `StoreError`s a caller can explain.
    static func explained<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as PostgresError where error.isUniqueViolation {
            throw StoreError(.alreadyExists, "already exists" + (error.detail.map { ": \($0)" } ?? ""))
        } catch let error as PostgresError where error.sqlState == "23503" {
            throw StoreError(.notFound, "refers to a record that does not exist" + (error.detail.map { ": \($0)" } ?? ""))
        } catch let error as PostgresError where error.sqlState == "23514" {
            throw StoreError(.invalid, "breaks the rule \(error.constraint ?? "of the table")")
        }
    }
}

extension Store {
    /// Writes a batch with `write`, which returns one outcome per item. When it
    /// fails for any reason but an unreachable database, each item is written
    /// alone, so one bad item fails by itself and never takes its neighbours with
    /// it; an unreachable database fails them all.
    static func writeSplittingOnFailure<Item, Outcome>(
        _ batch: [Item], _ write: ([Item]) throws -> [Outcome]
    ) -> [Result<Outcome, any Error>] {
        do {
            return try explained { try write(batch) }.map { .success($0) }
        } catch let error as PostgresError where error.isUnavailable {
            return batch.map { _ in .failure(error) }
        } catch where batch.count > 1 {
            var results: [Result<Outcome, any Error>] = []
            for item in batch {
                results += writeSplittingOnFailure([item], write)
            }
            return results
        } catch {
            return [.failure(error)]
        }
    }

    /// JSON text for a jsonb parameter. One encoder serves every call: encoding
    /// does not change it, and intake would otherwise make one per referral.
    static func json(_ value: some Encodable) throws -> String {
        String(decoding: try jsonEncoder.encode(value), as: UTF8.self)
    }

    private static let jsonEncoder = JSONEncoder()
}
