import TesseraIO

/// The parts of an OpenAI-style answer the pipeline reads; the whole JSON stays in `json`.
public struct LLMResponse: Sendable {
    /// The answer as the server sent it.
    public let json: JSONValue

    /// Wraps an answer.
    public init(json: JSONValue) { self.json = json }

    private var firstChoice: JSONValue? { json["choices"]?.arrayValue?.first }

    /// The generated text: `choices[0].message.content` (chat) or `choices[0].text` (completions).
    public var text: String? {
        firstChoice?["message"]?["content"]?.stringValue ?? firstChoice?["text"]?.stringValue
    }

    /// `choices[0].finish_reason` (`stop`, `length`, …).
    public var finishReason: String? { firstChoice?["finish_reason"]?.stringValue }

    /// The per-token log-probabilities of a completion (`choices[0].logprobs`, the legacy completions layout:
    /// `tokens`, `token_logprobs`, `text_offset`, `top_logprobs`), with the prompt's tokens first when `echo` was set.
    public var completionLogprobs: TokenLogprobs? {
        guard let l = firstChoice?["logprobs"], let tokens = l["tokens"]?.arrayValue,
              let values = l["token_logprobs"]?.arrayValue, values.count == tokens.count else { return nil }
        let offsets = l["text_offset"]?.arrayValue?.compactMap(\.intValue)
        var top: [[(token: String, logprob: Double)]]? = nil
        if let entries = l["top_logprobs"]?.arrayValue, entries.count == tokens.count {
            top = entries.map { entry in
                (entry.objectValue?.entries ?? []).compactMap { member in member.value.doubleValue.map { (member.key, $0) } }
            }
        }
        return TokenLogprobs(tokens: tokens.map { $0.stringValue ?? "" }, logprobs: values.map(\.doubleValue),
                             offsets: offsets?.count == tokens.count ? offsets : nil, top: top)
    }

    /// The alternatives of the first generated token of a chat answer (`choices[0].logprobs.content[0].top_logprobs`),
    /// or of a completion (`choices[0].logprobs.top_logprobs[0]`).
    public var firstTokenAlternatives: [(token: String, logprob: Double)]? {
        if let content = firstChoice?["logprobs"]?["content"]?.arrayValue, let first = content.first {
            var out: [(token: String, logprob: Double)] = []
            for entry in first["top_logprobs"]?.arrayValue ?? [] {
                if let token = entry["token"]?.stringValue, let value = entry["logprob"]?.doubleValue { out.append((token, value)) }
            }
            if out.isEmpty, let token = first["token"]?.stringValue, let value = first["logprob"]?.doubleValue { out.append((token, value)) }
            return out
        }
        if let top = completionLogprobs?.top?.first { return top }
        return nil
    }
}

/// Per-token log-probabilities of a completion.
public struct TokenLogprobs: Sendable {
    /// The tokens as text.
    public var tokens: [String]
    /// log P(token | the tokens before it); nil where the server gives none (the first prompt token).
    public var logprobs: [Double?]
    /// Where each token starts in the text, in characters (Unicode scalars), when the server says.
    public var offsets: [Int]?
    /// The most likely alternatives at each position, when asked for.
    public var top: [[(token: String, logprob: Double)]]?
}
