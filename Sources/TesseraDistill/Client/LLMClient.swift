import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TesseraIO

/// A client of an OpenAI-compatible server (llama.cpp, vLLM, Ollama, a hosted API): JSON requests to
/// `/v1/chat/completions` and `/v1/completions` with bounded concurrency, a timeout per attempt, retries with
/// exponential backoff and jitter on 429 / 5xx / timeouts / connection errors (honouring `Retry-After`), and a
/// content-addressed response cache.
public final class LLMClient: Sendable {
    /// The settings.
    public let configuration: LLMConfiguration
    private let apiKey: String?
    private let cache: ResponseCache?
    private let limiter: AsyncLimiter
    private let counter = UsageCounter()
    private let policy: RetryPolicy

    /// A client for `configuration`; reads the API key from its environment variable now.
    public init(configuration: LLMConfiguration) throws(DistillError) {
        try configuration.validate()
        self.configuration = configuration
        if let name = configuration.apiKeyVariable, let value = ProcessInfo.processInfo.environment[name], !value.isEmpty {
            apiKey = value
        } else {
            apiKey = nil
        }
        cache = try configuration.cacheFolder.map { path throws(DistillError) in try ResponseCache(folder: path) }
        limiter = AsyncLimiter(limit: configuration.concurrency)
        policy = RetryPolicy(configuration)
    }

    /// Whether an API key was found (its value is never shown).
    public var hasAPIKey: Bool { apiKey != nil }

    /// What the client has done so far.
    public var usage: LLMUsage { counter.snapshot }

    /// A chat completion: `messages` as `(role, content)` pairs, and the request's other members (`max_tokens`,
    /// `temperature`, `logprobs`, …) from `parameters`, after `model` and `messages`.
    public func chat(_ messages: [(role: String, content: String)], parameters: [(String, JSONValue)]) async throws -> LLMResponse {
        var members: [(key: String, value: JSONValue)] = [("model", .string(configuration.model))]
        members.append(("messages", .array(messages.map { .object(JSONObject([("role", .string($0.role)), ("content", .string($0.content))])) })))
        for (key, value) in parameters { members.append((key, value)) }
        return LLMResponse(json: try await send(.chat, body: .object(JSONObject(members))))
    }

    /// A text completion of `prompt`, with the request's other members from `parameters`.
    public func complete(_ prompt: String, parameters: [(String, JSONValue)]) async throws -> LLMResponse {
        var members: [(key: String, value: JSONValue)] = [("model", .string(configuration.model)), ("prompt", .string(prompt))]
        for (key, value) in parameters { members.append((key, value)) }
        return LLMResponse(json: try await send(.completions, body: .object(JSONObject(members))))
    }

    /// Sends `body` to `endpoint` (or answers from the cache) and returns the parsed JSON answer.
    public func send(_ endpoint: LLMEndpoint, body: JSONValue) async throws -> JSONValue {
        let url = configuration.url(of: endpoint)
        let bytes = JSONWriter.encode(body)
        if let cached = cache?.response(url: url, body: bytes) {
            counter.update { $0.cacheHits += 1 }
            return cached
        }
        await limiter.acquire()
        let answer: JSONValue
        do {
            answer = try await sendWithRetries(url: url, endpoint: endpoint, bytes: bytes)
        } catch {
            await limiter.release()
            counter.update { $0.failures += 1 }
            throw error
        }
        await limiter.release()
        let usage = answer["usage"]
        counter.update {
            $0.requests += 1
            $0.promptTokens += usage?["prompt_tokens"]?.intValue ?? 0
            $0.completionTokens += usage?["completion_tokens"]?.intValue ?? 0
        }
        try cache?.store(url: url, body: bytes, response: answer)
        return answer
    }

    private enum Attempt {
        case success(JSONValue)
        case retry(reason: String, retryAfter: Double?, code: DistillError.Code)
    }

    private func sendWithRetries(url: String, endpoint: LLMEndpoint, bytes: [UInt8]) async throws -> JSONValue {
        var random = SystemRandomNumberGenerator()
        var last = "no attempt"
        var lastCode = DistillError.Code.unavailable
        for attempt in 1...policy.maximumAttempts {
            switch try await attemptOnce(url: url, bytes: bytes) {
            case .success(let value):
                return value
            case let .retry(reason, retryAfter, code):
                last = reason
                lastCode = code
                guard attempt < policy.maximumAttempts else { break }
                counter.update { $0.retries += 1 }
                let wait = policy.delay(afterAttempt: attempt, retryAfter: retryAfter, random: &random)
                try await Task.sleep(nanoseconds: UInt64(wait * 1e9))
            }
        }
        let tries = policy.maximumAttempts == 1 ? "1 attempt" : "\(policy.maximumAttempts) attempts"
        throw DistillError(lastCode, "\(url): \(last) (gave up after \(tries))")
    }

    private struct AttemptTimedOut: Error {}

    /// `work`'s answer, or `AttemptTimedOut` once `seconds` have passed (the work is then cancelled).
    private static func within<T: Sendable>(_ seconds: Double, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await work() }
            group.addTask {
                try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw AttemptTimedOut() }
            return value
        }
    }

    private func attemptOnce(url: String, bytes: [UInt8]) async throws -> Attempt {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        if let apiKey { request.headers.add(name: "Authorization", value: "Bearer " + apiKey) }
        request.body = .bytes(ByteBuffer(bytes: bytes))
        let timeout = TimeAmount.nanoseconds(Int64(configuration.timeout * 1e9))
        let deadline = NIODeadline.now() + timeout
        let status: Int
        let headers: HTTPHeaders
        var body: ByteBuffer
        let limit = configuration.maximumResponseBytes
        let prepared = request
        do {
            // The deadline bounds the whole exchange, the body's bytes included: a server that sends its headers and
            // then stalls is a timeout too.
            (status, headers, body) = try await Self.within(configuration.timeout) {
                let response = try await HTTPClient.shared.execute(prepared, deadline: deadline)
                return (Int(response.status.code), response.headers, try await response.body.collect(upTo: limit))
            }
        } catch is AttemptTimedOut {
            return .retry(reason: String(format: "no answer within %.3g s", configuration.timeout), retryAfter: nil, code: .timeout)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            return .retry(reason: String(format: "no answer within %.3g s", configuration.timeout), retryAfter: nil, code: .timeout)
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as NIOTooManyBytesError {
            _ = error
            throw DistillError(.invalidResponse, "\(url): the answer is larger than \(configuration.maximumResponseBytes) bytes")
        } catch {
            return .retry(reason: "cannot reach the server: \(error)", retryAfter: nil, code: .unavailable)
        }
        let text = body.readString(length: body.readableBytes) ?? ""
        if status == 200 {
            do {
                let value = try JSONValue.parse(string: text)
                guard value.objectValue != nil else {
                    return .retry(reason: "the answer is JSON but not an object: \(Self.excerpt(text))", retryAfter: nil, code: .invalidResponse)
                }
                return .success(value)
            } catch {
                return .retry(reason: "the answer is not JSON (\(error)): \(Self.excerpt(text))", retryAfter: nil, code: .invalidResponse)
            }
        }
        let message = (try? JSONValue.parse(string: text))?["error"].flatMap { $0["message"]?.stringValue ?? $0.stringValue } ?? Self.excerpt(text)
        if RetryPolicy.isRetryable(status: status) {
            return .retry(reason: "HTTP \(status): \(message)", retryAfter: RetryPolicy.parseRetryAfter(headers.first(name: "Retry-After")),
                          code: .unavailable)
        }
        throw DistillError(.rejected, "\(url): HTTP \(status): \(message)")
    }

    private static func excerpt(_ text: String) -> String {
        let flat = text.replacingOccurrences(of: "\n", with: " ")
        return flat.count <= 200 ? flat : String(flat.prefix(200)) + "…"
    }
}
