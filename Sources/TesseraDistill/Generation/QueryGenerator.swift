import Foundation
import TesseraIO

/// Stage 1 of FRet: the LLM reads a passage and writes a task description and a query for it.
public struct QueryGenerator: Sendable {
    /// The client.
    public let client: LLMClient
    /// The prompts.
    public let prompts: Prompts
    /// Sampling temperature of the generation.
    public var temperature = 0.7
    /// The most tokens the answer may have.
    public var maximumTokens = 96

    /// A generator.
    public init(client: LLMClient, prompts: Prompts) {
        self.client = client
        self.prompts = prompts
    }

    /// The chat messages that ask for a query of `family` about `passage`.
    public func messages(passage: String, family: TaskFamily) -> [(role: String, content: String)] {
        var messages: [(role: String, content: String)] = [("system", prompts.generationSystem)]
        for example in prompts.examples {
            let instruction = TaskFamily.all.first(where: { $0.name == example.family })?.instruction ?? example.family
            messages.append(("user", Prompts.fill(prompts.generation, ["family": instruction, "passage": example.passage])))
            messages.append(("assistant", example.answer))
        }
        messages.append(("user", Prompts.fill(prompts.generation, ["family": family.instruction, "passage": passage])))
        return messages
    }

    /// What the LLM wrote for `passage`, and what could be read from it. `seed` makes the sampling repeatable on
    /// servers that take one (and is part of the request, so of its cache key).
    public func generate(passage: String, family: TaskFamily, seed: UInt64) async throws -> (answer: String, parsed: Result<GeneratedQuery, ParseFailure>) {
        let response = try await client.chat(messages(passage: passage, family: family), parameters: [
            ("max_tokens", .number(Double(maximumTokens))), ("temperature", .number(temperature)),
            ("seed", .number(Double(seed & 0x7FFF_FFFF))),
        ])
        guard let text = response.text else {
            throw DistillError(.invalidResponse, "\(client.configuration.url(of: .chat)): the answer has no choices[0].message.content")
        }
        return (text, GeneratedQueryParser.parse(text, truncated: response.finishReason == "length"))
    }
}
