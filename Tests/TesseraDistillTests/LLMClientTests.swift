import Foundation
import Testing
import TesseraIO
@testable import TesseraDistill
import TesseraTestSupport

/// The client against a server of the test's own that answers 429 / 500 / garbage / hangs / 400.
@Suite(.serialized) struct LLMClientTests {
    let folder = TestFolder.path("tessera-llm")

    func client(_ server: FakeLLMServer, _ adjust: (inout LLMConfiguration) -> Void = { _ in }) throws -> LLMClient {
        var configuration = LLMConfiguration(baseURL: server.url, model: "fake")
        configuration.initialBackoff = 0.01
        configuration.maximumBackoff = 0.05
        configuration.maximumAttempts = 4
        // Long: on two cores the scripted server's handlers can wait for the concurrency pool for seconds while other
        // suites block it, and an attempt that timed out would be one request more than these tests count.
        configuration.timeout = 120
        configuration.apiKeyVariable = nil
        adjust(&configuration)
        return try LLMClient(configuration: configuration)
    }

    @Test func retriesOn429HonouringRetryAfterAnd5xx() async throws {
        let server = FakeLLMServer { _, _, index in
            switch index {
            case 0: return .init(status: 429, body: #"{"error": {"message": "slow down"}}"#, headers: [("Retry-After", "1")])
            case 1: return .init(status: 503, body: "busy")
            default: return .init(body: FakeLLMServer.chat("hello"))
            }
        }
        try await server.start()
        let llm = try client(server)
        let started = Date()
        let answer = try await llm.chat([("user", "hi")], parameters: [])
        let waited = Date().timeIntervalSince(started)
        await server.stop()
        #expect(answer.text == "hello")
        #expect(server.requests.count == 3)
        #expect(llm.usage.retries == 2)
        #expect(llm.usage.requests == 1)
        #expect(llm.usage.promptTokens == 100 && llm.usage.completionTokens == 10)
        #expect(waited >= 0.95, "Retry-After: 1 was not honoured (\(waited) s)")
    }

    @Test func givesUpWithAClearErrorAfterTheAttempts() async throws {
        let server = FakeLLMServer { _, _, _ in .init(status: 500, body: #"{"error": {"message": "model crashed"}}"#) }
        try await server.start()
        let llm = try client(server)
        await #expect { _ = try await llm.chat([("user", "hi")], parameters: []) } throws: { error in
            guard let e = error as? DistillError else { return false }
            return e.code == .unavailable && e.message.contains("HTTP 500: model crashed") && e.message.contains("4 attempts")
        }
        await server.stop()
        #expect(server.requests.count == 4)
        #expect(llm.usage.failures == 1)
    }

    @Test func clientErrorsAreNotRetried() async throws {
        let server = FakeLLMServer { _, _, _ in .init(status: 400, body: #"{"error": {"message": "unknown model fake"}}"#) }
        try await server.start()
        let llm = try client(server)
        await #expect { _ = try await llm.chat([("user", "hi")], parameters: []) } throws: { error in
            (error as? DistillError)?.code == .rejected && "\(error)".contains("unknown model fake")
        }
        await server.stop()
        #expect(server.requests.count == 1)
    }

    @Test func garbageIsRetriedThenAnInvalidResponseError() async throws {
        let server = FakeLLMServer { _, _, index in .init(body: index < 2 ? "<html>proxy error</html>" : "[1, 2]") }
        try await server.start()
        let llm = try client(server) { $0.maximumAttempts = 3 }
        await #expect { _ = try await llm.complete("x", parameters: []) } throws: { error in
            guard let e = error as? DistillError else { return false }
            return e.code == .invalidResponse && e.message.contains("not an object")
        }
        await server.stop()
        #expect(server.requests.count == 3)
    }

    /// Two attempts at a server that answers every request with `reply`, each given `timeout` seconds: a timeout error,
    /// well before the server would have answered. Returns the number of requests the server saw.
    func expectTimeout(_ reply: FakeLLMServer.Reply, timeout: Double, _ comment: Comment? = nil) async throws -> Int {
        let server = FakeLLMServer { _, _, _ in reply }
        try await server.start()
        let llm = try client(server) {
            $0.timeout = timeout
            $0.maximumAttempts = 2
        }
        let started = Date()
        await #expect { _ = try await llm.chat([("user", "hi")], parameters: []) } throws: { error in
            (error as? DistillError)?.code == .timeout && "\(error)".contains(String(format: "no answer within %.3g s", timeout))
        }
        #expect(Date().timeIntervalSince(started) < 2.5, comment)
        await server.stop()
        return server.requests.count
    }

    @Test func aHangingServerTimesOut() async throws {
        _ = try await expectTimeout(.init(body: FakeLLMServer.chat("late"), delay: 3), timeout: 0.3)
    }

    @Test func aBodyThatStallsTimesOut() async throws {
        let requests = try await expectTimeout(.init(body: FakeLLMServer.chat("slow body"), stallBody: 3), timeout: 0.4,
                                               "the deadline did not cover the body")
        #expect(requests == 2)
    }

    @Test func noServerIsAnUnavailableError() async throws {
        // A port nothing listens on: bind one, close it.
        let server = FakeLLMServer { _, _, _ in .init(body: "{}") }
        try await server.start()
        let url = server.url
        await server.stop()
        var configuration = LLMConfiguration(baseURL: url, model: "m")
        configuration.maximumAttempts = 2
        configuration.initialBackoff = 0.01
        configuration.timeout = 2
        let llm = try LLMClient(configuration: configuration)
        await #expect { _ = try await llm.chat([("user", "hi")], parameters: []) } throws: { error in
            let code = (error as? DistillError)?.code
            return code == .unavailable || code == .timeout
        }
    }

    @Test func answersAreCachedByTheExactRequestAndTheKeyIsSentButNotStored() async throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        setenv("TESSERA_TEST_LLM_KEY", "sk-secret-123", 1)
        let server = FakeLLMServer { _, body, _ in .init(body: FakeLLMServer.chat("echo " + (body["messages"]?.arrayValue?.last?["content"]?.stringValue ?? ""))) }
        try await server.start()
        let llm = try client(server) {
            $0.cacheFolder = folder
            $0.apiKeyVariable = "TESSERA_TEST_LLM_KEY"
        }
        let a = try await llm.chat([("user", "one")], parameters: [("temperature", .number(0))])
        let b = try await llm.chat([("user", "one")], parameters: [("temperature", .number(0))])
        let c = try await llm.chat([("user", "one")], parameters: [("temperature", .number(0.5))])
        #expect(a.text == "echo one" && b.text == "echo one" && c.text == "echo one")
        #expect(server.requests.count == 2, "the same request was sent twice")
        #expect(llm.usage.cacheHits == 1 && llm.usage.requests == 2)
        #expect(server.requests.allSatisfy { $0.authorization == "Bearer sk-secret-123" })
        // A second client (a rerun) answers from the files.
        let rerun = try client(server) { $0.cacheFolder = folder }
        _ = try await rerun.chat([("user", "one")], parameters: [("temperature", .number(0))])
        #expect(server.requests.count == 2 && rerun.usage.cacheHits == 1)
        let files = FileManager.default.enumerator(atPath: folder)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".json") } ?? []
        #expect(files.count == 2)
        for file in files {
            let text = try String(contentsOfFile: folder + "/" + file, encoding: .utf8)
            #expect(!text.contains("sk-secret"))
        }
        // A damaged entry is a miss, not an error.
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: folder + "/" + files[0]))
        let again = try client(server) { $0.cacheFolder = folder }
        _ = try await again.chat([("user", "one")], parameters: [("temperature", .number(0))])
        _ = try await again.chat([("user", "one")], parameters: [("temperature", .number(0.5))])
        #expect(again.usage.requests + again.usage.cacheHits == 2 && again.usage.requests == 1)
        await server.stop()
    }

    @Test func retryAfterAndBackoff() {
        #expect(RetryPolicy.parseRetryAfter("7") == 7)
        #expect(RetryPolicy.parseRetryAfter("0.5") == 0.5)
        #expect(RetryPolicy.parseRetryAfter("soon") == nil)
        #expect(RetryPolicy.parseRetryAfter(nil) == nil)
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let later = RetryPolicy.parseRetryAfter("Tue, 14 Nov 2023 22:13:40 GMT", now: now)
        #expect(later.map { abs($0 - 20) < 1e-6 } == true)
        var configuration = LLMConfiguration(baseURL: "http://127.0.0.1:1", model: "m")
        configuration.initialBackoff = 1
        configuration.maximumBackoff = 8
        let policy = RetryPolicy(configuration)
        var random = SystemRandomNumberGenerator()
        for attempt in 1...8 {
            let base = min(8, pow(2, Double(attempt - 1)))
            let d = policy.delay(afterAttempt: attempt, retryAfter: nil, random: &random)
            #expect(d >= base / 2 && d <= base)
        }
        #expect(policy.delay(afterAttempt: 1, retryAfter: 30, random: &random) == 30)
        #expect(policy.delay(afterAttempt: 1, retryAfter: 10_000, random: &random) == 300)
        #expect(RetryPolicy.isRetryable(status: 429) && RetryPolicy.isRetryable(status: 502) && !RetryPolicy.isRetryable(status: 404))
    }

    @Test func configurationChecks() {
        #expect(LLMConfiguration(baseURL: "http://h:1", model: "m").url(of: .chat) == "http://h:1/v1/chat/completions")
        #expect(LLMConfiguration(baseURL: "https://h/v1/", model: "m").url(of: .completions) == "https://h/v1/completions")
        #expect(throws: DistillError.self) { try LLMConfiguration(baseURL: "ftp://h", model: "m").validate() }
        #expect(throws: DistillError.self) { try LLMConfiguration(baseURL: "127.0.0.1:8080", model: "m").validate() }
        var c = LLMConfiguration(baseURL: "http://h", model: "m")
        c.concurrency = 0
        #expect(throws: DistillError.self) { try c.validate() }
    }
}
