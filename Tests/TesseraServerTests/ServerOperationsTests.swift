import Foundation
import Hummingbird
import Testing
import TesseraIO
import TesseraTestSupport
@testable import TesseraServer

/// What an operator relies on: request ids, JSON 404s, metrics, the OpenAPI document, API keys.
extension ServerTests {
    @Test func requestIDsMetricsAndJSONNotFound() async throws {
        defer { try? FileManager.default.removeItem(atPath: data) }
        try await withServer { client in
            var r = client.execute(uri: "/health", method: .get, headers: ["X-Request-Id": "client-42.a"])
            #expect(r.headers["x-request-id"] == "client-42.a")
            r = client.execute(uri: "/health", method: .get, headers: ["X-Request-Id": "not valid, has spaces"])
            let generated = r.headers["x-request-id"] ?? ""
            #expect(!generated.isEmpty && generated != "not valid, has spaces")
            r = client.execute(uri: "/nowhere", method: .get)
            #expect(r.status == 404 && json(r)?["error"]?.objectValue?["code"]?.intValue == 404, "\(r.text)")
            _ = client.execute(uri: "/v1/collections/m", method: .put, body: #"{"model": "tiny", "indexes": ["bm25", "dense"]}"#)
            _ = client.execute(uri: "/v1/collections/m/documents", method: .post, body: #"{"documents": [{"id": "a", "text": "hello"}, {"id": "b", "text": "world"}]}"#)
            _ = client.execute(uri: "/v1/collections/m/search", method: .post, body: #"{"query": "hello", "mode": "bm25"}"#)
            r = client.execute(uri: "/metrics", method: .get)
            #expect(r.status == 200 && r.headers["content-type"]?.hasPrefix("text/plain") == true)
            let text = r.text
            for line in [
                #"tessera_collection_documents{collection="m"} 2"#,
                #"tessera_documents_written_total 2"#,
                #"tessera_http_requests_total{method="GET",route="unmatched",status="404"} 1"#,
                #"tessera_search_duration_seconds_count{mode="bm25"} 1"#,
                #"tessera_work_refused_total 0"#,
            ] {
                #expect(text.contains(line), "\(line) missing from\n\(text)")
            }
            #expect(text.contains(#"tessera_http_requests_total{method="POST",route="/v1/collections/{name}/search",status="200"} 1"#), "\(text)")
        }
    }

    @Test func theOpenAPIDocumentDescribesEveryRoute() async throws {
        defer { try? FileManager.default.removeItem(atPath: data) }
        try await withServer { client in
            let r = client.execute(uri: "/openapi.json", method: .get)
            let document = json(r)
            #expect(r.status == 200 && document?["openapi"]?.stringValue == "3.1.0")
            var operations = Set<String>()
            for (path, item) in document?["paths"]?.objectValue?.entries ?? [] {
                for (method, _) in item.objectValue?.entries ?? [] where method != "parameters" { operations.insert("\(method.uppercased()) \(path)") }
            }
            let routes: Set<String> = [
                "GET /health", "GET /metrics", "GET /openapi.json", "GET /v1/collections",
                "PUT /v1/collections/{name}", "GET /v1/collections/{name}", "DELETE /v1/collections/{name}",
                "POST /v1/collections/{name}/documents", "GET /v1/collections/{name}/documents/{id}",
                "DELETE /v1/collections/{name}/documents/{id}", "POST /v1/collections/{name}/search", "POST /v1/embeddings",
            ]
            #expect(operations == routes)
            #expect(Set(APIRoutes.all.map { "\($0.method.rawValue) \($0.path)" }) == routes)
            // A known path with another method is a 405 that lists the path's methods.
            let refused = client.execute(uri: "/v1/collections/x", method: .post, body: "{}")
            #expect(refused.status == 405 && refused.headers["allow"] == "PUT, GET, DELETE" && json(refused)?["error"] != nil, "\(refused.text)")
            // Every route answers (none of them is a 404 of the router).
            for route in routes {
                let parts = route.split(separator: " ")
                let path = parts[1].replacingOccurrences(of: "{name}", with: "nothere").replacingOccurrences(of: "{id}", with: "x")
                let answer = client.execute(uri: path, method: HTTPRequest.Method(String(parts[0]))!, body: "{}")
                let message = json(answer)?["error"]?.objectValue?["message"]?.stringValue
                #expect(message != "no such route", "\(route): \(answer.text)")
            }
        }
    }

    @Test func apiKeysGuardReadsAndWrites() async throws {
        defer { try? FileManager.default.removeItem(atPath: data) }
        let keys = try APIKeys(text: """
            # reader and writer
            reader-key-0123456789 read
            writer-key-0123456789 write   # write implies read
            """)
        try await withServer({ $0.apiKeys = keys }) { client in
            let read = ["Authorization": "Bearer reader-key-0123456789"], write = ["Authorization": "Bearer writer-key-0123456789"]
            #expect(client.execute(uri: "/health", method: .get).status == 200)
            #expect(client.execute(uri: "/openapi.json", method: .get).status == 200)
            var r = client.execute(uri: "/v1/collections", method: .get)
            #expect(r.status == 401 && r.headers["www-authenticate"] == "Bearer" && json(r)?["error"] != nil)
            r = client.execute(uri: "/v1/collections", method: .get, headers: ["Authorization": "Bearer wrong-key-0123456789"])
            #expect(r.status == 401)
            r = client.execute(uri: "/v1/collections", method: .get, headers: ["Authorization": "reader-key-0123456789"])
            #expect(r.status == 401)
            #expect(client.execute(uri: "/v1/collections", method: .get, headers: read).status == 200)
            #expect(client.execute(uri: "/metrics", method: .get, headers: read).status == 200)
            r = client.execute(uri: "/v1/collections/k", method: .put, body: #"{"model": "tiny", "indexes": ["bm25"]}"#, headers: read)
            #expect(r.status == 403 && json(r)?["error"]?.objectValue?["type"]?.stringValue == "permission_error")
            r = client.execute(uri: "/v1/collections/k", method: .put, body: #"{"indexes": ["bm25"]}"#, headers: write)
            #expect(r.status == 201, "\(r.text)")
            r = client.execute(uri: "/v1/collections/k/documents", method: .post, body: #"{"documents": [{"id": "a", "text": "hello"}]}"#, headers: read)
            #expect(r.status == 403)
            r = client.execute(uri: "/v1/collections/k/documents", method: .post, body: #"{"documents": [{"id": "a", "text": "hello"}]}"#, headers: write)
            #expect(r.status == 200)
            r = client.execute(uri: "/v1/collections/k/search", method: .post, body: #"{"query": "hello"}"#, headers: read)
            #expect(r.status == 200 && json(r)?["results"]?.arrayValue?.count == 1)
            #expect(client.execute(uri: "/v1/collections/k/documents/a", method: .delete, headers: read).status == 403)
            #expect(client.execute(uri: "/v1/collections/k/documents/a", method: .delete, headers: write).status == 200)
        }
    }

    @Test func keysFilesAreChecked() throws {
        #expect(throws: IOError.self) { try APIKeys(text: "short read") }
        #expect(throws: IOError.self) { try APIKeys(text: "long-enough-key-0123 admin") }
        #expect(throws: IOError.self) { try APIKeys(text: "long-enough-key-0123") }
        #expect(throws: IOError.self) { try APIKeys(text: "# nothing\n\n") }
        #expect(throws: IOError.self) { try APIKeys(text: "long-enough-key-0123 read\nlong-enough-key-0123 write") }
        let keys = try APIKeys(text: "long-enough-key-0123 read,write\r\n")
        #expect(keys.scopes(of: "long-enough-key-0123") == [.read, .write])
        #expect(keys.scopes(of: "long-enough-key-012") == nil)
    }
}
