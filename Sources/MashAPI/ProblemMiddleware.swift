import Hummingbird
import Logging
import NIOHTTP1
import Postgres

/// Turns every error a route throws into a problem+json response: database outages
/// into 503 with `Retry-After`, Hummingbird's own HTTP errors (404, 413...)
/// into problems of the same status, and anything unexpected into a logged 500
/// whose body reveals nothing.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    let retryAfterSeconds: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            throw problem
        } catch let error as PostgresError where error.isUnavailable {
            context.logger.warning("database unavailable", metadata: ["error.code": "\(error.code)"])
            throw Problem.unavailable(retryAfter: retryAfterSeconds)
        } catch is HTTPParserError {
            // The body broke off or broke the HTTP framing while the route read it.
            throw Problem(.badRequest, "malformed-http", "Malformed HTTP request", detail: "The request could not be read as HTTP/1.1.")
        } catch let error as any HTTPResponseError where error.status == .notFound {
            throw Problem.notFound
        } catch let error as any HTTPResponseError {
            throw Problem(error.status, "http-\(error.status.code)", error.status.reasonPhrase, detail: Self.detail(for: error.status))
        } catch let error as PostgresError {
            // The code and SQLSTATE only: the message may quote data from the request.
            context.logger.error("request failed", metadata: [
                "error.type": "PostgresError", "error.code": "\(error.code)", "sqlState": "\(error.sqlState ?? "none")",
            ])
            throw Problem.internalError
        } catch {
            // Log the type only: an error's description may quote data from the request.
            context.logger.error("request failed", metadata: ["error.type": "\(type(of: error))"])
            throw Problem.internalError
        }
    }

    static func detail(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 413: "The request body is larger than this server accepts."
        default: status.reasonPhrase
        }
    }
}
