/// A failure of the distillation pipeline or of its LLM client, with a one-line reason.
public struct DistillError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What kind of failure this is.
    public enum Code: String, Sendable {
        /// A setting or argument that cannot work.
        case invalidArgument
        /// The server answered with a client error (4xx other than 429): retrying would not help.
        case rejected
        /// The server kept answering 429 / 5xx, or kept failing to connect, until the attempts ran out.
        case unavailable
        /// Every attempt timed out.
        case timeout
        /// The server answered 200 with something that is not the expected JSON.
        case invalidResponse
        /// The server lacks something the pipeline needs (for example prompt log-probabilities).
        case unsupported
        /// Reading or writing the cache, the corpus or the output failed.
        case io
    }
    /// The kind of failure.
    public var code: Code
    /// The reason, one line.
    public var message: String

    /// Makes an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The reason, one line.
    public var description: String { message }
}
