/// A worker's open referrals in one hub, against the hub's per-worker limit.
public struct WorkerCaseload: Sendable, Equatable {
    public let hub: String
    public let worker: String
    public let open: Int
    public let limit: Int
    public var overLimit: Bool { open > limit }

    public init(hub: String, worker: String, open: Int, limit: Int) {
        self.hub = hub
        self.worker = worker
        self.open = open
        self.limit = limit
    }
}

/// A hub's open referrals against its capacity.
public struct HubCaseload: Sendable, Equatable {
    public let hub: String
    public let open: Int
    public let capacity: Int
    public let workerLimit: Int
    public var overCapacity: Bool { open > capacity }

    public init(hub: String, open: Int, capacity: Int, workerLimit: Int) {
        self.hub = hub
        self.open = open
        self.capacity = capacity
        self.workerLimit = workerLimit
    }
}
