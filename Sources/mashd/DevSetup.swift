import Foundation
import LocalCluster
import Logging
import MashDomain
import MashStore
import MashTriage

/// The embedded development setup of `mashd --dev` (CONTRACT §1).
enum DevSetup {
    static let demoHubs = [
        ("mash-screening", "MASH screening"), ("early-help", "Early help"),
        ("child-protection", "Child protection"), ("children-in-need", "Children in need"),
        ("lado", "Local authority designated officer"), ("edt", "Emergency duty team"),
    ]
    static let demoAgencies: [(String, String, AgencyKind)] = [
        ("demo-police", "Demo Police", .police), ("demo-health", "Demo Health", .health),
        ("demo-school", "Demo School", .education),
    ]

    /// Creates the cluster on first use and starts it unless it is running already.
    static func startCluster(_ cluster: LocalCluster, logger: Logger) async throws {
        if !cluster.isInitialised { logger.info("creating the development cluster", metadata: ["directory": "\(cluster.directory.path)"]) }
        try await cluster.initialiseIfNeeded()
        if await !cluster.isRunning { try await cluster.start() }
        try await cluster.createDatabase(LocalCluster.developmentDatabase)
    }

    /// Adds the demo hubs and agencies if missing, issues fresh demo tokens and prints them.
    static func seed(_ store: Store, cluster: LocalCluster, host: String, port: Int) async throws {
        for (id, name) in demoHubs {
            do { _ = try await store.addHub(id: id, name: name) } catch let error as StoreError where error.code == .alreadyExists {}
        }
        for (id, name, kind) in demoAgencies {
            do { _ = try await store.addAgency(id: id, name: name, kind: kind) } catch let error as StoreError where error.code == .alreadyExists {}
        }
        let thresholds = try await applyDefaultThresholdsIfNone(store)
        let agencyToken = try await store.issueToken(agencyID: "demo-police")
        let hubToken = try await store.issueToken(hubID: "mash-screening")
        // Unbuffered, so the tokens show at once even when stdout is a pipe.
        FileHandle.standardOutput.write(Data("""
            mash-broker \(MashBroker.version), development mode
              database:           \(cluster.directory.path) (PostgreSQL, Unix socket only)
              demo agency token:  \(agencyToken.secret)   (agency demo-police)
              demo hub token:     \(hubToken.secret)   (hub mash-screening)
              thresholds:         version \(thresholds.version), \(thresholds.name)
              admin CLI:          swift run mashctl --dev status
              post a referral:    see README.md, 'Try it'

            """.utf8))
    }

    /// The default threshold document (config/thresholds.yaml), applied on first use.
    static func applyDefaultThresholdsIfNone(_ store: Store) async throws -> ThresholdVersion {
        if let applied = try await store.thresholds() { return applied }
        let document = try ThresholdParser.parse(DefaultThresholds.yaml, knownHubs: Set(demoHubs.map(\.0))).get()
        return try await store.applyThresholds(document, text: DefaultThresholds.yaml)
    }
}
