import Hummingbird

/// `GET /v1/openapi.json`: the OpenAPI 3.1 description of this API (docs/openapi.json,
/// embedded by scripts/embed-openapi). Served without a token: it describes the
/// API and holds nothing that needs one.
struct OpenAPIRoute {
    func register(on router: Router<MashRequestContext>) {
        router.get("v1/openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.json))
            )
        }
    }
}
