import Foundation
import Postgres

/// A team with an inbox.
public struct Hub: Sendable, Equatable {
    public let id: String
    public let name: String
    /// Open referrals the hub can hold before it is flagged as over capacity.
    public let capacity: Int
    /// Open referrals one worker may hold before `caseloads` flags them.
    public let workerLimit: Int
    /// How long a referral may wait unacknowledged before it is reported undelivered.
    public let deliveryWindow: Duration
    public let createdAt: Date

    init(row: PostgresRow) throws {
        id = try row.require(String.self, "id")
        name = try row.require(String.self, "name")
        capacity = try row.require(Int.self, "capacity")
        workerLimit = try row.require(Int.self, "worker_limit")
        deliveryWindow = .seconds(try row.require(Int.self, "delivery_window_seconds"))
        createdAt = try row.require(Date.self, "created_at")
    }

    static let columns = "id, name, capacity, worker_limit, extract(epoch FROM delivery_window)::bigint AS delivery_window_seconds, created_at"
}

extension Store {
    public func addHub(id: String, name: String, capacity: Int? = nil, deliveryWindow: Duration? = nil, workerLimit: Int? = nil) async throws -> Hub {
        try await run { connection in
            try Hub(row: connection.query("""
                INSERT INTO hubs (id, name, capacity, delivery_window, worker_limit)
                VALUES ($1, $2, coalesce($3::int, 120), coalesce(make_interval(secs => $4::bigint), interval '5 days'), coalesce($5::int, 20))
                RETURNING \(Hub.columns)
                """, [id, name, capacity, deliveryWindow.map { Int($0.components.seconds) }, workerLimit])[0])
        }
    }

    /// Changes what is given and leaves the rest.
    public func updateHub(id: String, name: String?, capacity: Int?, deliveryWindow: Duration?, workerLimit: Int? = nil) async throws -> Hub {
        try await run { connection in
            let rows = try connection.query("""
                UPDATE hubs SET name = coalesce($2, name), capacity = coalesce($3::int, capacity),
                       delivery_window = coalesce(make_interval(secs => $4::bigint), delivery_window),
                       worker_limit = coalesce($5::int, worker_limit)
                WHERE id = $1 RETURNING \(Hub.columns)
                """, [id, name, capacity, deliveryWindow.map { Int($0.components.seconds) }, workerLimit])
            guard let row = rows.first else { throw StoreError(.notFound, "no hub \(id)") }
            return try Hub(row: row)
        }
    }

    public func hubs() async throws -> [Hub] {
        try await run { try $0.query("SELECT \(Hub.columns) FROM hubs ORDER BY id").map(Hub.init(row:)) }
    }
}
