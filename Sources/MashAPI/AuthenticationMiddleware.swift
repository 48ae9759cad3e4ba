import Foundation
import Hummingbird
import MashStore

/// Resolves `Authorization: Bearer <token>` to the agency or hub it belongs to, or
/// answers 401. Lookups are cached for `cacheLifetime`, so a revoked or expired
/// token stops working within that time (documented in docs/API.md).
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = MashRequestContext
    let cache: PrincipalCache

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
              case let secret = header.dropFirst("Bearer ".count).trimmingCharacters(in: .whitespaces),
              !secret.isEmpty, secret.utf8.count <= 256,
              let principal = try await cache.principal(for: secret)
        else { throw Problem.unauthorized }
        var context = context
        context.principal = principal
        return try await next(request, context)
    }
}

/// Recently confirmed tokens, so that a steady stream of requests does not cost a
/// database lookup each. Unknown tokens are never cached; the cache is bounded.
actor PrincipalCache {
    private let store: Store
    private let lifetime: Duration
    private let capacity = 10_000
    private var entries: [String: (principal: Principal, until: ContinuousClock.Instant)] = [:]

    init(store: Store, lifetime: Duration) {
        self.store = store
        self.lifetime = lifetime
    }

    func principal(for secret: String) async throws -> Principal? {
        let now = ContinuousClock.now
        if let entry = entries[secret], entry.until > now { return entry.principal }
        guard let principal = try await store.authenticate(secret: secret) else {
            entries[secret] = nil
            return nil
        }
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[secret] = (principal, now + lifetime)
        return principal
    }
}
