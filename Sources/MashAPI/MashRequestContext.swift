import Hummingbird
import NIOCore
import MashDomain
import MashStore

/// The request context of every route: Hummingbird's core storage, the
/// connection the request came on (for its client certificate) and the principal
/// the bearer token named, once authentication has run.
public struct MashRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
        principal = nil
    }

    /// The agency sending this request; 403 for a hub's token or a disabled agency.
    func requireAgency() throws -> (id: String, kind: AgencyKind) {
        switch principal {
        case .agency(let id, let kind, let disabled):
            guard !disabled else { throw Problem.forbidden("This agency has been disabled; contact the MASH.") }
            return (id, kind)
        case .hub:
            throw Problem.forbidden("This endpoint is for agencies; the token belongs to a hub.")
        case nil:
            throw Problem.unauthorized
        }
    }

    /// The hub named in the path, which this request's token must belong to: 403
    /// for an agency's token, 404 for another hub's (whose inbox it may not know of).
    func requireHub(_ hub: String?) throws -> String {
        switch principal {
        case .hub(let id):
            guard let hub, hub == id else { throw Problem.notFound }
            return id
        case .agency:
            throw Problem.forbidden("This endpoint is for hub systems; the token belongs to an agency.")
        case nil:
            throw Problem.unauthorized
        }
    }
}
