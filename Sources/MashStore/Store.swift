import Postgres

/// Every SQL statement mash-broker runs, grouped by the records they touch (one
/// file each: agencies, hubs, tokens, referrals, quarantine, daemons).
public struct Store: Sendable {
    public let pool: ConnectionPool

    public init(pool: ConnectionPool) { self.pool = pool }

    /// Runs `body` on a pooled connection, translating constraint violations into
    /// `StoreError`s a caller can explain.
    @discardableResult
    func run<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        do {
            return try await pool.withConnection(body)
        } catch let error as PostgresError where error.isUniqueViolation {
            throw StoreError(.alreadyExists, "already exists" + (error.detail.map { ": \($0)" } ?? ""))
        } catch let error as PostgresError where error.sqlState == "23503" {
            throw StoreError(.notFound, "refers to a record that does not exist" + (error.detail.map { ": \($0)" } ?? ""))
        } catch let error as PostgresError where error.sqlState == "23514" {
            throw StoreError(.invalid, "breaks the rule \(error.constraint ?? "of the table")")
        }
    }
}
