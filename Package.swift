// swift-tools-version:6.1
import PackageDescription

/// mash-broker: the message broker for multi-agency safeguarding hubs.
///
/// Modules, one responsibility each:
/// - `CLibPQ`: the libpq C API, as a system library.
/// - `Postgres`: a thin Swift layer over libpq (connections confined to their own
///   threads, bound parameters, typed rows, transactions, LISTEN/NOTIFY, a pool).
/// - `MashDomain`: the referral document and its validation; pure, no I/O.
/// - `MashTriage`: the threshold document, working time and the triage engine; pure.
/// - `MashStore`: the schema's migrations and every SQL statement the programs run.
/// - `MashConfig`: the daemon's configuration: YAML file, `MASH_*` variables, flags.
/// - `MashAPI`: the HTTP API (Hummingbird 2).
/// - `LocalCluster`: a private PostgreSQL cluster for `--dev` and the tests.
/// - `mashd`, `mashctl`: the daemon and the admin CLI.
let package = Package(
    name: "mash-broker",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "mashd", targets: ["mashd"]),
        .executable(name: "mashctl", targets: ["mashctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        // For bench/DeliveryBench's latency percentiles only.
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .target(
            name: "Postgres",
            dependencies: ["CLibPQ"]
        ),
        .target(name: "MashDomain"),
        .target(
            name: "MashYAML",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "MashTriage",
            dependencies: ["MashDomain", "MashYAML", .product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "MashStore",
            dependencies: ["MashConfig", "MashDomain", "MashTriage", "MashReport", "Postgres", .product(name: "Metrics", package: "swift-metrics")]
        ),
        .target(name: "MashReport"),
        .target(
            name: "MashConfig",
            dependencies: ["MashYAML", .product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "MashAPI",
            dependencies: [
                "MashDomain", "MashStore", "MashTriage", "Postgres",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .target(name: "LocalCluster"),
        .executableTarget(
            name: "mashd",
            dependencies: [
                "MashAPI", "MashConfig", "MashStore", "MashTriage", "Postgres", "LocalCluster",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(
            name: "mashctl",
            dependencies: [
                "MashConfig", "MashStore", "MashDomain", "MashTriage", "MashReport", "Postgres", "LocalCluster",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "delivery-bench",
            dependencies: ["MashDomain", .product(name: "Histogram", package: "hdrhistogram-swift")],
            path: "bench/DeliveryBench"
        ),
        .executableTarget(
            name: "http-floor",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird"), .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")],
            path: "bench/HTTPFloor"
        ),
        .executableTarget(
            name: "triage-bench",
            dependencies: ["MashTriage", "MashDomain"],
            path: "bench/TriageBench"
        ),
        .target(
            name: "MashTesting",
            dependencies: ["LocalCluster", "MashStore", "MashDomain", "MashTriage", "Postgres"],
            path: "Tests/MashTesting"
        ),
        .testTarget(name: "MashDomainTests", dependencies: ["MashDomain"]),
        .testTarget(name: "MashTriageTests", dependencies: ["MashTriage", "MashDomain"]),
        .testTarget(name: "MashReportTests", dependencies: ["MashReport"]),
        .testTarget(name: "MashConfigTests", dependencies: ["MashConfig", "MashDomain"]),
        .testTarget(name: "LocalClusterTests", dependencies: ["LocalCluster", "MashTesting"]),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "MashTesting"]),
        .testTarget(
            name: "MashStoreTests",
            dependencies: ["MashConfig", "MashStore", "MashDomain", "MashTriage", "MashTesting"]
        ),
        .testTarget(name: "ProgramTests", dependencies: ["MashTesting", "MashAPI", "MashStore", "MashDomain", "MashTriage", "LocalCluster"]),
    ]
)
