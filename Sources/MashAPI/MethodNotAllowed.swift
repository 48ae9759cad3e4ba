import Hummingbird

extension Router where Context == MashRequestContext {
    /// The methods a client may ask of a path that does not serve them. HEAD is
    /// served wherever GET is (the router's `autoGenerateHeadEndpoints`).
    private static var refusable: [HTTPRequest.Method] { [.get, .head, .post, .put, .delete, .patch, .options, .trace, .query] }

    /// Answers 405 with `Allow` (RFC 9110 §15.5.6) where a path registered so far is
    /// asked for a method it does not serve; the router alone would answer 404, as
    /// if the path did not exist. Call it once every route is registered.
    func refuseUnservedMethods() {
        for routes in Dictionary(grouping: routes, by: \.path.description).values {
            var served = Set(routes.map(\.method))
            if served.contains(.get) { served.insert(.head) }
            let allow = served.map(\.rawValue).sorted().joined(separator: ", ")
            for method in Self.refusable where !served.contains(method) {
                on(routes[0].path, method: method) { _, _ -> Response in throw Problem.methodNotAllowed(allow: allow) }
            }
        }
    }
}
