import Dispatch
import Hummingbird
import Metrics
import Synchronization

/// Counts requests and times them, under the names and dimensions of Hummingbird's
/// `MetricsMiddleware`: `hb.requests`, `hb.request.errors`,
/// `http.server.request.duration` (by route, method and status) and
/// `http.server.active_requests` (by method).
///
/// Hummingbird's middleware records when the body has been written, and to do so
/// wraps every body in a closure; a wrapped body is written as head, then body, each
/// flushed on its own: two writes and two TCP segments per response. This one
/// records when the response is ready, before it is written, and leaves the body as
/// it is, so that a buffered body goes out with its head in one write. Its timer
/// leaves out only the writing of the response.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    private let cache = RequestMetricsCache()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        let active = cache.active(request.method)
        active.increment()
        defer { active.decrement() }
        do {
            let response = try await next(request, context)
            let metrics = cache.endpoint(.init(route: context.endpointPath ?? "Unknown", method: request.method, status: response.status))
            metrics.requests.increment()
            metrics.duration.recordNanoseconds(DispatchTime.now().uptimeNanoseconds - start)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            let metrics = cache.endpoint(.init(route: context.endpointPath ?? "NotFound", method: request.method, status: status))
            metrics.requests.increment()
            metrics.errors.increment()
            throw error
        }
    }
}

/// The metric handles of each endpoint and method, made once: making a handle
/// looks it up in the metrics backend under that backend's lock.
final class RequestMetricsCache: Sendable {
    struct Endpoint: Hashable {
        let route: String
        let method: HTTPRequest.Method
        let status: HTTPResponse.Status
    }

    struct EndpointMetrics: Sendable {
        let requests: Counter
        let errors: Counter
        let duration: Metrics.Timer

        init(_ endpoint: Endpoint) {
            let dimensions = [
                ("http.route", endpoint.route), ("http.request.method", endpoint.method.rawValue),
                ("http.response.status_code", String(endpoint.status.code)),
            ]
            requests = Counter(label: "hb.requests", dimensions: dimensions)
            duration = Metrics.Timer(label: "http.server.request.duration", dimensions: dimensions, preferredDisplayUnit: .seconds)
            errors = Counter(label: "hb.request.errors", dimensions: [
                ("http.route", endpoint.route), ("http.request.method", endpoint.method.rawValue),
                ("error.type", String(endpoint.status.code)),
            ])
        }
    }

    private let endpoints = Mutex<[Endpoint: EndpointMetrics]>([:])
    private let methods = Mutex<[HTTPRequest.Method: Meter]>([:])

    func endpoint(_ endpoint: Endpoint) -> EndpointMetrics {
        endpoints.handle(endpoint) { EndpointMetrics(endpoint) }
    }

    func active(_ method: HTTPRequest.Method) -> Meter {
        methods.handle(method) { Meter(label: "http.server.active_requests", dimensions: [("http.request.method", method.rawValue)]) }
    }
}

extension Mutex {
    /// The handle cached under `key`, made and cached on first use.
    fileprivate func handle<Key: Hashable & Sendable, Handle: Sendable>(_ key: Key, orMake make: () -> Handle) -> Handle where Value == [Key: Handle] {
        withLock { cached in
            if let handle = cached[key] { return handle }
            let handle = make()
            cached[key] = handle
            return handle
        }
    }
}
