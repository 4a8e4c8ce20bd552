import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import TesseraIO
import TesseraTestSupport
import Testing

/// An OpenAI-style server of the test's own on a loopback port: each request is answered by `respond`, which sees
/// the endpoint, the JSON body and the number of requests so far; every request is recorded.
final class FakeLLMServer: @unchecked Sendable {
    struct Reply {
        var status = 200
        var body: String
        var headers: [(String, String)] = []
        var delay: Double = 0
        /// Sends the headers and the first half of the body, then waits this long before the rest.
        var stallBody: Double = 0
    }
    struct Seen {
        var path: String
        var body: JSONValue
        var authorization: String?
    }

    private let lock = NSLock()
    private var seen: [Seen] = []
    private var portValue = 0
    private var task: Task<Void, any Error>?
    let respond: @Sendable (_ path: String, _ body: JSONValue, _ index: Int) -> Reply

    init(respond: @escaping @Sendable (_ path: String, _ body: JSONValue, _ index: Int) -> Reply) {
        self.respond = respond
    }

    var requests: [Seen] { lock.withLock { seen } }
    var port: Int { lock.withLock { portValue } }
    var url: String { "http://127.0.0.1:\(port)" }

    func start() async throws {
        let router = Router()
        for path in ["/v1/chat/completions", "/v1/completions"] {
            router.post(RouterPath(path)) { [self] request, _ -> Response in
                let buffer = try await request.body.collect(upTo: 8 << 20)
                let body = (try? JSONValue.parse(Data(buffer.readableBytesView))) ?? .null
                let index = lock.withLock {
                    seen.append(Seen(path: path, body: body, authorization: request.headers[.authorization]))
                    return seen.count - 1
                }
                let reply = respond(path, body, index)
                if reply.delay > 0 { try await Task.sleep(nanoseconds: UInt64(reply.delay * 1e9)) }
                var fields = HTTPFields()
                fields[.contentType] = "application/json"
                for (name, value) in reply.headers { if let n = HTTPField.Name(name) { fields[n] = value } }
                if reply.stallBody > 0 {
                    let bytes = Array(reply.body.utf8), half = bytes.count / 2, stall = reply.stallBody
                    return Response(status: .init(code: reply.status), headers: fields, body: ResponseBody { writer in
                        try await writer.write(ByteBuffer(bytes: bytes[..<half]))
                        try await Task.sleep(nanoseconds: UInt64(stall * 1e9))
                        try await writer.write(ByteBuffer(bytes: bytes[half...]))
                        try await writer.finish(nil)
                    })
                }
                return Response(status: .init(code: reply.status), headers: fields, body: .init(byteBuffer: ByteBuffer(string: reply.body)))
            }
        }
        var quiet = Logger(label: "fake-llm")
        quiet.logLevel = .critical
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { [self] channel in lock.withLock { portValue = channel.localAddress?.port ?? 0 } },
                              logger: quiet)
        task = Task { try await app.runService(gracefulShutdownSignals: []) }
        // Generous: in the full suite the concurrency pool (one thread per core) can be held for minutes by other
        // suites' blocking work, and the server's start-up callback waits for it.
        let deadline = Date().addingTimeInterval(900)
        while port == 0 {
            guard Date() < deadline else { throw CancellationError() }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
    }

    /// Stops the server; a server that does not stop within 60 s fails the test.
    func stop() async {
        task?.cancel()
        #expect(await awaitEnd(of: task, within: 60), "the scripted server did not stop within 60 s of its cancellation")
    }

    static func json(_ value: JSONValue) -> String { String(decoding: JSONWriter.encode(value), as: UTF8.self) }

    /// A chat answer with `content`.
    static func chat(_ content: String, finish: String = "stop", top: [(String, Double)]? = nil) -> String {
        var choice: [(key: String, value: JSONValue)] = [
            ("index", .number(0)), ("message", .object(JSONObject([("role", .string("assistant")), ("content", .string(content))]))),
            ("finish_reason", .string(finish)),
        ]
        if let top {
            let alternatives = JSONValue.array(top.map { .object(JSONObject([("token", .string($0.0)), ("logprob", .number($0.1))])) })
            choice.append(("logprobs", .object(JSONObject([("content", .array([.object(JSONObject([
                ("token", .string(top.first?.0 ?? "")), ("logprob", .number(top.first?.1 ?? 0)), ("top_logprobs", alternatives),
            ]))]))]))))
        }
        return json(.object(JSONObject([("choices", .array([.object(JSONObject(choice))])),
                                        ("usage", .object(JSONObject([("prompt_tokens", .number(100)), ("completion_tokens", .number(10))])))])))
    }

    /// An echoed completion of `prompt`: one token per space-led word, each with `logprob(token, position)`.
    static func echo(_ prompt: String, logprob: (String, Int) -> Double) -> String {
        var tokens: [String] = []
        var current = ""
        for c in prompt {
            if (c == " " || c == "\n") && !current.isEmpty { tokens.append(current); current = "" }
            current.append(c)
        }
        if !current.isEmpty { tokens.append(current) }
        tokens.append(" end")
        var offsets: [JSONValue] = []
        var position = 0
        var values: [JSONValue] = []
        for (i, t) in tokens.enumerated() {
            offsets.append(.number(Double(position)))
            values.append(i == 0 ? .null : .number(logprob(t, i)))
            position += t.unicodeScalars.count
        }
        let logprobs = JSONValue.object(JSONObject([("tokens", .array(tokens.map { .string($0) })), ("token_logprobs", .array(values)),
                                                    ("text_offset", .array(offsets))]))
        return json(.object(JSONObject([("choices", .array([.object(JSONObject([
            ("text", .string(prompt + " end")), ("index", .number(0)), ("logprobs", logprobs), ("finish_reason", .string("length")),
        ]))])), ("usage", .object(JSONObject([("prompt_tokens", .number(Double(tokens.count - 1))), ("completion_tokens", .number(1))])))])))
    }
}
