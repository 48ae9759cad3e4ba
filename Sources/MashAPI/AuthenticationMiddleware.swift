import Foundation
import Hummingbird
import MashStore
import Synchronization

/// Resolves `Authorization: Bearer <token>` to the agency or hub it belongs to, or
/// answers 401. Lookups are cached for `cacheLifetime`, so a revoked or expired
/// token stops working within that time (documented in docs/API.md). With mutual
/// TLS, the client certificate's common name must be that agency's or hub's id
/// (403 otherwise): a stolen token alone is not enough.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = MashRequestContext
    let cache: PrincipalCache
    let requireClientCertificate: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
              case let secret = String(header.dropFirst("Bearer ".count).trimmingOptionalWhitespace),
              !secret.isEmpty, secret.utf8.count <= 256,
              let principal = try await cache.principal(for: secret)
        else { throw Problem.unauthorized }
        if requireClientCertificate {
            let name = try await ClientCertificate.commonName(on: context.channel)
            guard let name, name == principal.id else {
                throw Problem.certificateMismatch(
                    "The client certificate \(name.map { "names '\($0)'" } ?? "has no common name"); this token belongs to '\(principal.id)'."
                )
            }
        }
        var context = context
        context.principal = principal
        return try await next(request, context)
    }
}

/// Recently confirmed tokens, so that a steady stream of requests does not cost a
/// database lookup each. Unknown tokens are never cached; the cache is bounded.
/// A lock rather than an actor: a hit, nearly every request, then costs no hop to
/// another executor.
final class PrincipalCache: Sendable {
    private let store: Store
    private let lifetime: Duration
    private let capacity = 10_000
    private let entries = Mutex<[String: (principal: Principal, until: ContinuousClock.Instant)]>([:])

    init(store: Store, lifetime: Duration) {
        self.store = store
        self.lifetime = lifetime
    }

    func principal(for secret: String) async throws -> Principal? {
        let now = ContinuousClock.now
        if let entry = entries.withLock({ $0[secret] }), entry.until > now { return entry.principal }
        let principal = try await store.authenticate(secret: secret)
        entries.withLock { entries in
            guard let principal else {
                entries[secret] = nil
                return
            }
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[secret] = (principal, now + lifetime)
        }
        return principal
    }
}
