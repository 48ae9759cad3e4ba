import Hummingbird
import MashDomain
import MashStore

/// The HTTP API of CONTRACT §2, as a router ready to hand to a Hummingbird `Application`.
public struct MashAPI: Sendable {
    /// Limits and timings of the API. Documented in docs/API.md.
    public struct Configuration: Sendable {
        /// The largest request body accepted (413 beyond it).
        public var bodyLimit = 1 << 20
        /// How long a confirmed token is trusted before it is looked up again.
        public var tokenCacheLifetime: Duration = .seconds(5)
        /// The `Retry-After` sent with 503 while the database is unreachable.
        public var retryAfterSeconds = 5
        /// How often a waiting lease request looks in its inbox even when nothing
        /// woke it (a NOTIFY lost while the listener reconnected, say).
        public var leaseSafetyPoll: Duration = .seconds(5)
        /// Mutual TLS: every authenticated request's client certificate must name
        /// the token's agency or hub.
        public var requireClientCertificate = false
        public init() {}
    }

    public let store: Store
    public let migrator: Migrator
    public let thresholds: ThresholdsInUse
    public let configuration: Configuration
    /// Each agency's allowance of requests.
    public let rateLimiter: RateLimiter
    /// The metrics in Prometheus text format, served at `/metrics` when given.
    public let metrics: (@Sendable () -> [UInt8])?

    public init(
        store: Store, migrator: Migrator, thresholds: ThresholdsInUse, configuration: Configuration = Configuration(),
        rateLimiter: RateLimiter = RateLimiter(perMinute: 600), metrics: (@Sendable () -> [UInt8])? = nil
    ) {
        self.store = store
        self.migrator = migrator
        self.thresholds = thresholds
        self.configuration = configuration
        self.rateLimiter = rateLimiter
        self.metrics = metrics
    }

    public func router() -> Router<MashRequestContext> {
        // HEAD wherever GET is served: GET's status and headers, and no body
        // (NIO's encoder sends none after a HEAD, problems included).
        let router = Router(context: MashRequestContext.self, options: .autoGenerateHeadEndpoints)
        router.add(middleware: RequestMetricsMiddleware())
        router.add(middleware: ProblemMiddleware(retryAfterSeconds: configuration.retryAfterSeconds))
        HealthRoutes(store: store, migrator: migrator, thresholds: thresholds, metrics: metrics).register(on: router)
        OpenAPIRoute().register(on: router)
        let v1 = router.group("v1")
            .add(middleware: AuthenticationMiddleware(
                cache: PrincipalCache(store: store, lifetime: configuration.tokenCacheLifetime),
                requireClientCertificate: configuration.requireClientCertificate
            ))
            .add(middleware: RateLimitMiddleware(limiter: rateLimiter))
        ReferralRoutes(store: store, validator: ReferralValidator(), thresholds: thresholds, bodyLimit: configuration.bodyLimit).register(on: v1)
        HubRoutes(store: store, safetyPoll: configuration.leaseSafetyPoll).register(on: v1)
        router.refuseUnservedMethods()
        return router
    }
}
