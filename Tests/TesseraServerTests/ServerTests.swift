import Foundation
import Hummingbird
import Logging
import Testing
import TesseraIO
import TesseraTestSupport
@testable import TesseraServer

/// The HTTP API on a loopback port of this process: routes, answers and errors.
@Suite struct ServerTests {
    let data = TestFolder.path("tessera-server")
    let model = TinyModel.make()

    func api(_ adjust: (inout ServerConfiguration) -> Void = { _ in }) throws -> TesseraAPI {
        var configuration = ServerConfiguration(dataDirectory: data)
        configuration.models = ["tiny": model]
        configuration.port = 0  // any free port: suites run in parallel
        configuration.maximumBodyBytes = 4096
        configuration.maximumK = 50
        adjust(&configuration)
        return try TesseraAPI(configuration: configuration)
    }

    func json(_ response: HTTPTestClient.Response) -> JSONObject? {
        (try? JSONValue.parse(response.body))?.objectValue
    }

    /// Runs the API on a free port for `body`, then stops it.
    func withServer(_ adjust: (inout ServerConfiguration) -> Void = { _ in },
                    _ body: @escaping @Sendable (Client) throws -> Void) async throws {
        let port = LockedValue(0)
        var quiet = Logger(label: "tessera-test")
        quiet.logLevel = .critical
        let app = try api(adjust).application(logger: quiet) { port.set($0) }
        let server = Task { try await app.runService(gracefulShutdownSignals: []) }
        // Generous: the server's start-up callback needs a thread of the concurrency pool, which other suites' blocking
        // work can hold for minutes on two cores (as the scripted LLM server's wait).
        let deadline = ContinuousClock.now + .seconds(900)
        while port.value == 0 {
            guard ContinuousClock.now < deadline else { server.cancel(); throw CancellationError() }
            try await Task.sleep(for: .milliseconds(10))
        }
        let client = Client(port: port.value)
        // The client blocks on each request: on a thread of its own, not one of the concurrency pool's (2 on 2 cores),
        // which the server's handlers need.
        try await onOwnThread { try body(client) }
        server.cancel()
        #expect(await awaitEnd(of: server, within: 60), "the server did not stop within 60 s of its cancellation")
    }

    @Test func collectionsDocumentsSearchAndEmbeddings() async throws {
        defer { try? FileManager.default.removeItem(atPath: data) }
        try await withServer { client in
            var r = client.execute(uri: "/health", method: .get)
            #expect(r.status == 200)
            r = client.execute(uri: "/v1/collections/docs", method: .put, body: #"{"model": "tiny", "indexes": ["dense", "tokens", "bm25"]}"#)
            #expect(r.status == 201, "\(r.text)")
            #expect(json(r)?["modes"]?.arrayValue?.count == 5)
            r = client.execute(uri: "/v1/collections/docs", method: .put, body: #"{"model": "tiny"}"#)
            #expect(r.status == 409)
            let docs = #"{"documents": [{"id": "a", "title": "Hello", "text": "hello world"}, {"id": "b", "text": "a b a b"}, {"id": "c", "text": "world hellos"}]}"#
            r = client.execute(uri: "/v1/collections/docs/documents", method: .post, body: docs)
            #expect(r.status == 200 && json(r)?["documents"]?.intValue == 3, "\(r.text)")
            r = client.execute(uri: "/v1/collections/docs/documents", method: .post, body: docs)
            #expect(r.status == 409)
            r = client.execute(uri: "/v1/collections/docs/documents/a", method: .get)
            #expect(json(r)?["title"]?.stringValue == "Hello" && json(r)?["text"]?.stringValue == "hello world")
            for mode in ["dense", "dense-exact", "xtr", "aligner", "bm25"] {
                r = client.execute(uri: "/v1/collections/docs/search", method: .post, body: #"{"query": "hello world", "mode": "\#(mode)", "k": 2}"#)
                let results = json(r)?["results"]?.arrayValue ?? []
                #expect(r.status == 200 && !results.isEmpty && results.count <= 2, "\(mode): \(r.text)")
                #expect(results.first?.objectValue?["id"]?.stringValue != nil && results.first?.objectValue?["score"]?.doubleValue != nil)
            }
            // A hybrid: reciprocal rank fusion of two modes by default, or weighted min-max scores.
            r = client.execute(uri: "/v1/collections/docs/search", method: .post, body: #"{"query": "hello world", "mode": "hybrid", "hybrid": ["dense-exact", "bm25"], "k": 3}"#)
            let fused = json(r)?["results"]?.arrayValue ?? []
            #expect(r.status == 200 && fused.count == 3 && json(r)?["mode"]?.stringValue == "hybrid", "\(r.text)")
            #expect((fused.first?.objectValue?["score"]?.doubleValue ?? 1) <= 2 / 61.0 + 1e-6, "\(r.text)")
            r = client.execute(uri: "/v1/collections/docs/search", method: .post, body: #"{"query": "hello", "mode": "hybrid", "fusion": "score", "weight": 1, "k": 1}"#)
            #expect(r.status == 200 && json(r)?["results"]?.arrayValue?.first?.objectValue?["score"]?.doubleValue == 1, "\(r.text)")
            r = client.execute(uri: "/v1/collections/docs/documents/a", method: .delete)
            #expect(r.status == 200)
            r = client.execute(uri: "/v1/collections/docs/documents/a", method: .delete)
            #expect(r.status == 404)
            r = client.execute(uri: "/v1/collections/docs/search", method: .post, body: #"{"query": "hello", "mode": "dense-exact", "k": 10}"#)
            #expect(!r.text.contains("\"id\":\"a\"") && json(r)?["results"]?.arrayValue?.count == 2)
            r = client.execute(uri: "/v1/collections", method: .get)
            #expect(json(r)?["collections"]?.arrayValue?.first?.objectValue?["documents"]?.intValue == 2)
            // OpenAI-compatible embeddings: floats, base64 of the same floats, Matryoshka dimensions.
            r = client.execute(uri: "/v1/embeddings", method: .post, body: #"{"model": "tiny", "input": ["hello world", "b"]}"#)
            let data = json(r)?["data"]?.arrayValue ?? []
            #expect(r.status == 200 && data.count == 2 && json(r)?["object"]?.stringValue == "list")
            let floats = (data.first?.objectValue?["embedding"]?.arrayValue ?? []).compactMap(\.doubleValue).map(Float.init)
            #expect(floats.count == 8 && abs(floats.reduce(0) { $0 + $1 * $1 } - 1) < 1e-4)
            r = client.execute(uri: "/v1/embeddings", method: .post, body: #"{"model": "tiny", "input": "hello world", "encoding_format": "base64", "dimensions": 4}"#)
            let encoded = json(r)?["data"]?.arrayValue?.first?.objectValue?["embedding"]?.stringValue ?? ""
            let decoded = Data(base64Encoded: encoded).map { d in d.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) } } ?? []
            #expect(decoded.count == 4 && abs(decoded.reduce(0) { $0 + $1 * $1 } - 1) < 1e-4)
            r = client.execute(uri: "/v1/collections/docs", method: .delete)
            #expect(r.status == 200)
            r = client.execute(uri: "/v1/collections/docs", method: .get)
            #expect(r.status == 404)
        }
    }

    @Test func badRequestsAreJSONErrorsAndTheServerKeepsServing() async throws {
        defer { try? FileManager.default.removeItem(atPath: data) }
        try await withServer { client in
            _ = client.execute(uri: "/v1/collections/c", method: .put, body: #"{"model": "tiny", "indexes": ["dense"]}"#)
            let cases: [(String, HTTPRequest.Method, String?, HTTPResponse.Status, String)] = [
                ("/v1/collections/c/documents", .post, "{not json", .badRequest, "not valid JSON"),
                ("/v1/collections/c/documents", .post, "[1, 2]", .badRequest, "must be a JSON object"),
                ("/v1/collections/c/documents", .post, #"{"documents": "x"}"#, .badRequest, "must be an array"),
                ("/v1/collections/c/documents", .post, #"{"documents": [{"id": 1, "text": "a"}]}"#, .badRequest, "id must be a string"),
                ("/v1/collections/c/documents", .post, #"{"documents": [{"id": "x", "text": ""}]}"#, .badRequest, "empty text"),
                ("/v1/collections/c/documents", .post, nil, .badRequest, "needs a JSON body"),
                ("/v1/collections/c/documents", .post, "{\"documents\": [{\"id\": \"x\", \"text\": \"\u{FFFD}\(String(repeating: "a", count: 5000))\"}]}", .contentTooLarge, "larger than"),
                ("/v1/collections/c/search", .post, #"{"query": "a", "k": 100000}"#, .badRequest, "\"k\" must be between 1 and 50"),
                ("/v1/collections/c/search", .post, #"{"query": "a", "k": 2.5}"#, .badRequest, "must be an integer"),
                ("/v1/collections/c/search", .post, #"{"query": "a", "mode": "xtr"}"#, .notFound, "does not keep"),
                ("/v1/collections/c/search", .post, #"{"query": "a", "mode": "nope"}"#, .badRequest, "\"mode\" must be one of"),
                ("/v1/collections/c/search", .post, #"{"k": 3}"#, .badRequest, "\"query\" is required"),
                ("/v1/collections/c/search", .post, #"{"query": "a", "mode": "hybrid", "hybrid": ["dense"]}"#, .badRequest, "\"hybrid\" must name two modes"),
                ("/v1/collections/c/search", .post, #"{"query": "a", "mode": "dense", "fusion": "rrf"}"#, .badRequest, "apply to \"mode\": \"hybrid\""),
                ("/v1/collections/c/search", .post, #"{"query": "a", "mode": "hybrid", "fusion": "rrf", "weight": 0.2}"#, .badRequest, "\"weight\" applies to"),
                ("/v1/collections/c/search", .post, #"{"query": "a", "mode": "hybrid", "fusion": "max"}"#, .badRequest, "must be rrf or score"),
                ("/v1/collections/c/search", .post, #"{"query": "a", "mode": "hybrid", "fusion": "score", "weight": 2}"#, .badRequest, "between 0"),
                ("/v1/collections/c/search", .post, #"{"query": "a", "mode": "hybrid"}"#, .notFound, "does not keep"),
                ("/v1/collections/nope/search", .post, #"{"query": "a"}"#, .notFound, "no collection"),
                ("/v1/collections/bad..name", .put, #"{"model": "tiny"}"#, .badRequest, "invalid collection name"),
                ("/v1/collections/d", .put, #"{"model": "../etc"}"#, .badRequest, "not a path"),
                ("/v1/collections/d", .put, #"{"model": "missing"}"#, .notFound, "no model"),
                ("/v1/collections/d", .put, #"{"indexes": ["dense"]}"#, .badRequest, "needs a model"),
                ("/v1/embeddings", .post, #"{"model": "tiny", "input": [1]}"#, .badRequest, "\"input\" must be"),
                ("/v1/embeddings", .post, #"{"model": "tiny", "input": "a", "dimensions": 9}"#, .badRequest, "\"dimensions\" must be between 1 and 8"),
                ("/v1/embeddings", .post, #"{"model": "tiny", "input": "a", "encoding_format": "hex"}"#, .badRequest, "encoding_format"),
            ]
            for (uri, method, text, status, fragment) in cases {
                let r = client.execute(uri: uri, method: method, body: text)
                let message = json(r)?["error"]?.objectValue?["message"]?.stringValue ?? ""
                #expect(r.status == Int(status.code) && message.contains(fragment), "\(uri) \(text ?? ""): \(r.status) \(r.text)")
            }
            // Invalid UTF-8 in a body is refused by the parser, and the collection still serves.
            let invalid = Array(#"{"documents": [{"id": "x", "text": ""#.utf8) + [0xFF, 0xFE] + Array(#""}]}"#.utf8)
            var r = client.execute(uri: "/v1/collections/c/documents", method: .post, bytes: invalid)
            #expect(r.status == 400)
            r = client.execute(uri: "/v1/collections/c/documents", method: .post, body: #"{"documents": [{"id": "x", "text": "hello"}]}"#)
            #expect(r.status == 200)
            r = client.execute(uri: "/v1/collections/c/search", method: .post, body: #"{"query": "hello"}"#)
            #expect(json(r)?["results"]?.arrayValue?.count == 1)
        }
    }
}


/// Requests to the test server.
struct Client: Sendable {
    let port: Int

    func execute(uri: String, method: HTTPRequest.Method, body: String? = nil, headers: [String: String] = [:]) -> HTTPTestClient.Response {
        HTTPTestClient.send(method.rawValue, port: port, uri, body: body.map { Array($0.utf8) }, headers: headers)
            ?? HTTPTestClient.Response(status: 0, body: [])
    }

    func execute(uri: String, method: HTTPRequest.Method, bytes: [UInt8]) -> HTTPTestClient.Response {
        HTTPTestClient.send(method.rawValue, port: port, uri, body: bytes) ?? HTTPTestClient.Response(status: 0, body: [])
    }
}
