import Foundation

/// Where an OpenAI-compatible server is and how to talk to it: what `tessera distill --llm-*` sets.
public struct LLMConfiguration: Sendable {
    /// The server's base URL, with or without the trailing `/v1` (`http://127.0.0.1:8080`, `https://api.example.com/v1`).
    public var baseURL: String
    /// The model name sent in every request.
    public var model: String
    /// The environment variable that holds the API key (sent as `Authorization: Bearer …`; never logged, never part
    /// of a cache key); no header when it is nil or unset.
    public var apiKeyVariable: String? = "OPENAI_API_KEY"
    /// Seconds one attempt may take, connection included.
    public var timeout: Double = 120
    /// Attempts per request (the first one included) before a retryable failure becomes an error.
    public var maximumAttempts = 6
    /// The backoff before the second attempt, in seconds; it doubles with each further attempt.
    public var initialBackoff: Double = 0.5
    /// The longest backoff between two attempts, in seconds (a server's `Retry-After` may ask for more, up to
    /// `maximumRetryAfter`).
    public var maximumBackoff: Double = 30
    /// The longest `Retry-After` honoured, in seconds.
    public var maximumRetryAfter: Double = 300
    /// Requests in flight at once.
    public var concurrency = 2
    /// The folder of the response cache (nil: no cache).
    public var cacheFolder: String?
    /// The largest response body accepted, in bytes.
    public var maximumResponseBytes = 32 << 20

    /// A configuration for `model` at `baseURL`, with the defaults above.
    public init(baseURL: String, model: String) {
        self.baseURL = baseURL
        self.model = model
    }

    /// The URL of `endpoint` (`chat/completions`, `completions`) under the base URL.
    public func url(of endpoint: LLMEndpoint) -> String {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        if !base.hasSuffix("/v1") { base += "/v1" }
        return base + "/" + endpoint.rawValue
    }

    /// Checks the settings.
    public func validate() throws(DistillError) {
        guard let url = URL(string: baseURL), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host != nil else {
            throw DistillError(.invalidArgument, "the LLM URL must be an http:// or https:// URL with a host, not \(baseURL)")
        }
        if model.isEmpty { throw DistillError(.invalidArgument, "the LLM model name is empty") }
        if !(timeout > 0) { throw DistillError(.invalidArgument, "the LLM timeout must be positive") }
        if maximumAttempts < 1 { throw DistillError(.invalidArgument, "the LLM attempts must be at least 1") }
        if concurrency < 1 { throw DistillError(.invalidArgument, "the LLM concurrency must be at least 1") }
        if initialBackoff < 0 || maximumBackoff < initialBackoff { throw DistillError(.invalidArgument, "the LLM backoff must satisfy 0 ≤ initial ≤ maximum") }
    }
}

/// The two OpenAI endpoints the pipeline uses.
public enum LLMEndpoint: String, Sendable {
    /// `/v1/chat/completions`: query generation and relevance classification.
    case chat = "chat/completions"
    /// `/v1/completions`: query likelihood through the prompt's log-probabilities (`echo` + `logprobs`).
    case completions
}
