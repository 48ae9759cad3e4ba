import Foundation
import MashAPI
import MashTesting
import Testing

@Suite("The OpenAPI description")
struct OpenAPITests {
    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../docs/openapi.json").standardizedFileURL

    @Test func theEmbeddedDescriptionMatchesDocsOpenAPIJSON() throws {
        let file = try String(contentsOf: Self.file, encoding: .utf8)
        #expect(OpenAPIDocument.json.trimmingCharacters(in: .whitespacesAndNewlines) == file.trimmingCharacters(in: .whitespacesAndNewlines),
                "docs/openapi.json differs from the embedded copy: run scripts/embed-openapi")
    }

    @Test func mashdServesItWithoutAToken() async throws {
        let daemon = try await DaemonProcess(database: try await TestCluster.freshDatabase())
        let response = try await HTTP.send("GET", daemon.baseURL.appendingPathComponent("v1/openapi.json"), contentType: nil)
        #expect(response.status == 200)
        #expect(response.headers["content-type"] == "application/json")
        let document = try #require(try JSONSerialization.jsonObject(with: response.body) as? [String: Any])
        #expect((document["openapi"] as? String)?.hasPrefix("3.1.") == true)
        let paths = try #require(document["paths"] as? [String: Any])
        #expect(paths["/v1/referrals"] != nil && paths["/v1/openapi.json"] != nil)
    }
}
