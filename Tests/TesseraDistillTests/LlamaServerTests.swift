import Foundation
import Testing
import TesseraIO
import TesseraTestSupport
@testable import TesseraDistill

/// Against a real server: llama-cpp-python's OpenAI-compatible server with SmolLM2-135M-Instruct, started and stopped
/// here (Scripts/llm-setup.sh installs it; these tests fail, never skip, without it).
@Suite(.serialized) struct LlamaServerTests {
    func withServer(_ body: (LLMClient, LlamaServer) async throws -> Void) async throws {
        let server: LlamaServer
        do { server = try await onOwnThread { try LlamaServer(logitsAll: true) } } catch {
            Issue.record("\(error)")
            return
        }
        defer { server.stop() }
        var configuration = LLMConfiguration(baseURL: server.url, model: "smollm2")
        configuration.apiKeyVariable = nil
        configuration.timeout = 300
        try await body(try LLMClient(configuration: configuration), server)
    }

    @Test func generatesParsesScoresAndChecksLikelihoodsAgainstTheServersOwnNumbers() async throws {
        try await withServer { client, _ in
            // Stage 1: what the model writes for three passages parses into queries (it is a 135M model: at least two).
            let passages = [
                "Vitamin D supplements reduced the rate of hip fractures in elderly women by a third over five years in a randomized trial.",
                "The enzyme telomerase adds repeats to chromosome ends, and its activity is high in most human cancer cells.",
                "Regular aerobic exercise improved memory scores and increased hippocampal volume in older adults.",
            ]
            var parsed = 0
            for (i, passage) in passages.enumerated() {
                var generator = QueryGenerator(client: client, prompts: .builtIn)
                generator.temperature = 0
                let (answer, result) = try await generator.generate(passage: passage, family: TaskFamily.all[i], seed: UInt64(i))
                #expect(!answer.isEmpty)
                if case .success(let q) = result, QueryFilter().reject(q.query, passage: passage) == nil { parsed += 1 }
            }
            #expect(parsed >= 2, "SmolLM2's answers did not parse into queries")

            // Query likelihood: the server's echo layout is found from its own generation, and QL of a greedy
            // continuation equals the sum of the log-probabilities the server gave while generating it.
            let alignment = try await QueryLikelihood.calibrate(client: client)
            #expect(alignment == .shifted, "llama-cpp-python 0.3.36 shifts echoed log-probabilities by one token")
            let prompt = "Passage: Telomerase adds repeats to chromosome ends.\nA question this passage answers:"
            let generated = try await client.complete(prompt, parameters: [("max_tokens", .number(8)), ("temperature", .number(0)), ("logprobs", .number(1))])
            let reference = try #require(generated.completionLogprobs)
            let text = try #require(generated.text)
            let expected = reference.logprobs.reduce(0) { $0 + ($1 ?? 0) }
            let score = try await QueryLikelihood(client: client, alignment: alignment).score(prefix: prompt, continuation: text)
            #expect(score.tokens == reference.tokens.count && score.estimated == 0)
            #expect(abs(score.logprob - expected) <= 1e-3 * Double(score.tokens), "QL \(score.logprob) vs the server's \(expected)")
            // Read the other way, the same echo gives something else entirely.
            let raw = try await QueryLikelihood(client: client, alignment: alignment == .shifted ? .aligned : .shifted).score(prefix: prompt, continuation: text)
            #expect(abs(raw.logprob - expected) > 0.5)
            // QL ranks the passage a query came from above an unrelated one.
            let query = " What do telomerase enzymes add to chromosome ends?"
            let related = try await QueryLikelihood(client: client, alignment: alignment).score(
                prefix: "Passage: Telomerase adds repeats to chromosome ends.\nQuery:", continuation: query)
            let unrelated = try await QueryLikelihood(client: client, alignment: alignment).score(
                prefix: "Passage: Sourdough bread rises slowly because of wild yeast.\nQuery:", continuation: query)
            #expect(related.logprob > unrelated.logprob)

            // Relevance classification: P(yes) from the answer's alternatives, a probability.
            let rc = try await RelevanceClassifier(client: client).score(Prompts.fill(Prompts.builtIn.relevance, [
                "task": TaskFamily.questionAnswering.defaultTask, "query": "what does telomerase do", "passage": passages[1]]))
            #expect(rc.yes + rc.no > 0 && (0...1).contains(rc.rc))
            #expect(client.usage.requests > 0 && client.usage.promptTokens > 0 && client.usage.failures == 0)
        }
    }
}
