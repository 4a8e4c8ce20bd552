import Foundation

/// When a failed request is tried again, and after how long: exponential backoff with jitter, a server's
/// `Retry-After` honoured.
struct RetryPolicy: Sendable {
    var maximumAttempts: Int
    var initialBackoff: Double
    var maximumBackoff: Double
    var maximumRetryAfter: Double

    init(_ configuration: LLMConfiguration) {
        maximumAttempts = configuration.maximumAttempts
        initialBackoff = configuration.initialBackoff
        maximumBackoff = configuration.maximumBackoff
        maximumRetryAfter = configuration.maximumRetryAfter
    }

    /// Whether an answer with `status` is worth another attempt: 408, 409 (a busy slot on some servers), 425,
    /// 429 and every 5xx.
    static func isRetryable(status: Int) -> Bool {
        status == 408 || status == 409 || status == 425 || status == 429 || (500...599).contains(status)
    }

    /// The wait before attempt `attempt + 1` (attempt counts from 1): half of `min(maximum, initial · 2^(attempt−1))`
    /// plus a random part of the other half, or the server's `Retry-After` when it asks for longer.
    func delay(afterAttempt attempt: Int, retryAfter: Double?, random: inout some RandomNumberGenerator) -> Double {
        let exponent = Double(min(attempt - 1, 30))
        let base = min(maximumBackoff, initialBackoff * pow(2, exponent))
        let jittered = base / 2 + Double.random(in: 0...1, using: &random) * base / 2
        guard let retryAfter else { return jittered }
        return max(jittered, min(retryAfter, maximumRetryAfter))
    }

    /// Seconds from a `Retry-After` header: delta-seconds (`120`, also fractional) or an HTTP date.
    static func parseRetryAfter(_ value: String?, now: Date = Date()) -> Double? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value), seconds.isFinite, seconds >= 0 { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }
}

/// At most `limit` holders at once; the others wait in arrival order.
actor AsyncLimiter {
    private let limit: Int
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) { self.limit = max(1, limit) }

    func acquire() async {
        if running < limit {
            running += 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty {
            running -= 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}
