import Foundation

/// FRet's relevance classification, RC = P("yes") for a yes/no question about a query and a passage, from the top
/// log-probabilities of the first answer token.
public struct RelevanceClassifier: Sendable {
    /// The client.
    public let client: LLMClient
    /// Alternatives asked for at the answer's first token.
    public var alternatives = 10

    /// A classifier.
    public init(client: LLMClient) { self.client = client }

    /// P(yes) and P(no) of the first answer token (summed over the alternatives that read "yes" / "no", any case and
    /// spacing), and RC = P(yes) / (P(yes) + P(no)) (0 when neither is among the alternatives).
    public func score(_ prompt: String) async throws -> (rc: Double, yes: Double, no: Double) {
        let response = try await client.chat([("user", prompt)], parameters: [
            ("max_tokens", .number(1)), ("temperature", .number(0)), ("logprobs", .bool(true)),
            ("top_logprobs", .number(Double(alternatives))),
        ])
        guard let top = response.firstTokenAlternatives, !top.isEmpty else {
            throw DistillError(.unsupported, "\(client.configuration.url(of: .chat)) returns no top log-probabilities for the answer")
        }
        return Self.rc(top)
    }

    /// RC from the alternatives of one token.
    static func rc(_ top: [(token: String, logprob: Double)]) -> (rc: Double, yes: Double, no: Double) {
        var yes = 0.0
        var no = 0.0
        for (token, logprob) in top {
            let word = token.trimmingCharacters(in: .whitespacesAndNewlines).lowercased().trimmingCharacters(in: .punctuationCharacters)
            if word == "yes" { yes += exp(logprob) } else if word == "no" { no += exp(logprob) }
        }
        return (yes + no > 0 ? yes / (yes + no) : 0, yes, no)
    }
}
