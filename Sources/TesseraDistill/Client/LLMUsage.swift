import Foundation

/// What a client has done so far: requests answered by the server and by the cache, retries, failures and the
/// tokens the server reported.
public struct LLMUsage: Sendable, Equatable {
    /// Requests the server answered (200).
    public var requests = 0
    /// Requests answered from the cache.
    public var cacheHits = 0
    /// Attempts that failed and were tried again.
    public var retries = 0
    /// Requests that failed for good.
    public var failures = 0
    /// Prompt tokens the server reported (`usage.prompt_tokens`).
    public var promptTokens = 0
    /// Completion tokens the server reported (`usage.completion_tokens`).
    public var completionTokens = 0
    /// Seconds since the client was made.
    public var seconds: Double = 0

    /// Server requests per second over `seconds`.
    public var requestsPerSecond: Double { seconds > 0 ? Double(requests) / seconds : 0 }

    /// Makes an empty tally.
    public init() {}
}

/// The running tally behind `LLMClient.usage`, safe from any thread.
final class UsageCounter: @unchecked Sendable {
    private var tally = LLMUsage()
    private let lock = NSLock()
    private let start = Date()

    func update(_ change: (inout LLMUsage) -> Void) {
        lock.lock()
        change(&tally)
        lock.unlock()
    }

    var snapshot: LLMUsage {
        lock.lock()
        var copy = tally
        lock.unlock()
        copy.seconds = Date().timeIntervalSince(start)
        return copy
    }
}
