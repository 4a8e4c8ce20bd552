import Foundation
import TesseraIO

/// How a server's echoed prompt log-probabilities line up with the prompt's tokens.
public enum EchoAlignment: String, Sendable {
    /// Entry i is log P(token i | tokens before it), as OpenAI's legacy completions define it.
    case aligned
    /// Entry i holds the distribution that predicts token i + 1 (llama-cpp-python 0.3.x): token i's log-probability
    /// is read from the alternatives of entry i − 1.
    case shifted
}

/// FRet's query likelihood, QL = log P(query | passage): the prompt `prefix + " " + query` is sent to
/// `/v1/completions` with `echo` and `logprobs`, and the log-probabilities of the tokens that start inside the
/// query are summed. `calibrate` finds how the server aligns them by checking its echo against its own generation.
public struct QueryLikelihood: Sendable {
    /// The client.
    public let client: LLMClient
    /// How the server aligns echoed log-probabilities.
    public var alignment: EchoAlignment
    /// Alternatives asked for per position (the shifted layout reads tokens from them).
    public var alternatives = 20

    /// A scorer.
    public init(client: LLMClient, alignment: EchoAlignment = .aligned) {
        self.client = client
        self.alignment = alignment
    }

    /// A summed log-probability: the tokens it covers, and how many of them were estimated (shifted layout: a token
    /// missing from the previous position's alternatives counts as the smallest alternative shown).
    public struct Score: Sendable, Equatable {
        /// log P(continuation | prefix).
        public var logprob: Double
        /// Tokens summed.
        public var tokens: Int
        /// Tokens whose value is an estimate.
        public var estimated: Int
    }

    /// The server's echo of `prompt`, one generated token after it.
    func echo(_ prompt: String) async throws -> TokenLogprobs {
        let response = try await client.complete(prompt, parameters: [
            ("max_tokens", .number(1)), ("temperature", .number(0)), ("echo", .bool(true)), ("logprobs", .number(Double(alternatives))),
        ])
        guard let logprobs = response.completionLogprobs, !logprobs.tokens.isEmpty else {
            throw DistillError(.unsupported, "\(client.configuration.url(of: .completions)) returns no prompt log-probabilities (echo + logprobs)")
        }
        return logprobs
    }

    /// The summed log-probability of `continuation` after `prefix` (the prompt is `prefix + continuation`). Throws
    /// `.unsupported` when the server returns no prompt log-probabilities.
    public func score(prefix: String, continuation: String) async throws -> Score {
        let logprobs = try await echo(prefix + continuation)
        return try read(logprobs, prefix: prefix, continuation: continuation, as: alignment)
    }

    /// The sum over the tokens of `logprobs` (an echo of `prefix + continuation`) that start inside `continuation`,
    /// read with `alignment`.
    func read(_ logprobs: TokenLogprobs, prefix: String, continuation: String, as alignment: EchoAlignment) throws -> Score {
        let start = prefix.unicodeScalars.count
        let end = start + continuation.unicodeScalars.count
        let offsets = logprobs.offsets ?? Self.offsets(of: logprobs.tokens)
        var score = Score(logprob: 0, tokens: 0, estimated: 0)
        for (i, offset) in offsets.enumerated() where offset >= start && offset < end {
            switch alignment {
            case .aligned:
                guard let value = logprobs.logprobs[i] else {
                    throw DistillError(.unsupported, "\(client.configuration.url(of: .completions)) gives no log-probability for a prompt token")
                }
                score.logprob += value
            case .shifted:
                guard i > 0, let previous = logprobs.top?[i - 1], !previous.isEmpty else {
                    throw DistillError(.unsupported, "\(client.configuration.url(of: .completions)) gives no alternatives before a prompt token")
                }
                if let found = previous.first(where: { $0.token == logprobs.tokens[i] }) {
                    score.logprob += found.logprob
                } else {
                    score.logprob += previous.map(\.logprob).min() ?? 0
                    score.estimated += 1
                }
            }
            score.tokens += 1
        }
        guard score.tokens > 0 else {
            throw DistillError(.unsupported, "\(client.configuration.url(of: .completions)) echoed no prompt tokens inside the query")
        }
        return score
    }

    /// Checks the server's echo against its own numbers: a greedy continuation of a fixed prompt is generated with
    /// its log-probabilities, then the prompt and continuation are echoed; the layout whose values match (within
    /// 0.01) is the server's. Throws `.unsupported` when the server has no prompt log-probabilities or neither matches.
    public static func calibrate(client: LLMClient) async throws -> EchoAlignment {
        let prompt = "The capital of France is"
        let generated = try await client.complete(prompt, parameters: [
            ("max_tokens", .number(4)), ("temperature", .number(0)), ("logprobs", .number(1)),
        ])
        guard let text = generated.text, let reference = generated.completionLogprobs, !reference.tokens.isEmpty,
              reference.logprobs.allSatisfy({ $0 != nil }) else {
            throw DistillError(.unsupported, "\(client.configuration.url(of: .completions)) returns no log-probabilities for generated tokens")
        }
        let continuation = text.hasPrefix(prompt) ? String(text.dropFirst(prompt.count)) : text
        // One echo, read both ways.
        var scorer = QueryLikelihood(client: client)
        scorer.alternatives = 5
        let echoed = try await scorer.echo(prompt + continuation)
        let expected = reference.logprobs.reduce(0) { $0 + ($1 ?? 0) }
        var matches: [EchoAlignment: Bool] = [:]
        for alignment in [EchoAlignment.aligned, .shifted] {
            guard let score = try? scorer.read(echoed, prefix: prompt, continuation: continuation, as: alignment) else { continue }
            matches[alignment] = score.tokens == reference.tokens.count && score.estimated == 0 && abs(score.logprob - expected) <= 0.01 * Double(score.tokens)
        }
        if matches[.aligned] == true { return .aligned }
        if matches[.shifted] == true { return .shifted }
        throw DistillError(.unsupported, "\(client.configuration.url(of: .completions)): the echoed prompt log-probabilities match neither the server's own generation nor its shift by one token")
    }

    /// Token start offsets from the tokens' texts, for servers that send no `text_offset`.
    static func offsets(of tokens: [String]) -> [Int] {
        var out: [Int] = []
        var position = 0
        for token in tokens {
            out.append(position)
            position += token.unicodeScalars.count
        }
        return out
    }
}
