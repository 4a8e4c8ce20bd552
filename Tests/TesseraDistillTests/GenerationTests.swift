import Foundation
import Testing
import TesseraIO
@testable import TesseraDistill
import TesseraTestSupport

/// Reading what small models write, the query filters, the prompts, and the fusion of the two LLM rankings.
@Suite struct GenerationTests {
    func parsed(_ text: String, truncated: Bool = false) -> GeneratedQuery? {
        if case .success(let q) = GeneratedQueryParser.parse(text, truncated: truncated) { return q }
        return nil
    }
    func failure(_ text: String, truncated: Bool = false) -> ParseFailure? {
        if case .failure(let f) = GeneratedQueryParser.parse(text, truncated: truncated) { return f }
        return nil
    }

    @Test func parsesWhatModelsWrite() {
        #expect(parsed(#"{"task": "Find papers", "query": "does aspirin help"}"#) == GeneratedQuery(task: "Find papers", query: "does aspirin help"))
        #expect(parsed("Sure! Here it is:\n```json\n{\"Task\": \"Find papers\", \"Query\": \"aspirin and stroke\"}\n```\nHope it helps.")
                == GeneratedQuery(task: "Find papers", query: "aspirin and stroke"))
        // A brace inside a string, then a second object: the first object with a query wins.
        #expect(parsed(#"{"note": "a {b}"} {"query": "q {x}", "task": "t"}"#) == GeneratedQuery(task: "t", query: "q {x}"))
        #expect(parsed("Task: Given a claim, find evidence\nQuery: vitamin D lowers fracture risk") ==
                GeneratedQuery(task: "Given a claim, find evidence", query: "vitamin D lowers fracture risk"))
        #expect(parsed("**Query:** \"gut microbes and obesity\"") == GeneratedQuery(task: nil, query: "gut microbes and obesity"))
        #expect(parsed("  what causes malaria?  ") == GeneratedQuery(task: nil, query: "what causes malaria?"))
        // Broken JSON that still carries the members.
        #expect(parsed(#"{"task": "Find", "query": "insulin resistance in mice", "#) == GeneratedQuery(task: "Find", query: "insulin resistance in mice"))
        #expect(parsed(#"{"task": "Find", "query": "the role of ce"#, truncated: true) == nil)
        #expect(failure(#"{"task": "Find", "query": "the role of ce"#, truncated: true) == .truncated)
        #expect(failure("   \n ") == .empty)
        #expect(failure("I am sorry,\nI cannot write a query\nfor this.") == .unparseable)
        #expect(failure("Here is an answer about cells and", truncated: true) == .truncated)
        #expect(parsed(#"{"query": "\"quoted\" query</s>"}"#)?.query == "\"quoted\" query")
    }

    @Test func filtersDropEmptyLongCopiedAndContentFreeQueries() {
        let filter = QueryFilter()
        let passage = "Mitochondria are the powerhouse of the cell and produce most of its ATP through oxidative phosphorylation."
        #expect(filter.reject("", passage: passage) == .empty)
        #expect(filter.reject("   ", passage: passage) == .empty)
        #expect(filter.reject(String(repeating: "cells ", count: 70), passage: passage) == .tooLong)
        #expect(filter.reject("the powerhouse of the cell and produce most", passage: passage) == .copy)
        #expect(filter.reject("what is it and how?", passage: passage) == .noContentWord)
        #expect(filter.reject("?!", passage: passage) == .noContentWord)
        #expect(filter.reject("how do mitochondria make ATP", passage: passage) == nil)
        // Short queries repeat the passage's terms without being copies.
        #expect(filter.reject("oxidative phosphorylation", passage: passage) == nil)
        #expect(QueryFilter.longestCommonRun(["a", "b", "c", "x"], ["z", "a", "b", "c"]) == 3)
    }

    @Test func promptsFillAndLoadFromAFolder() throws {
        #expect(Prompts.fill("a {x} b {y} {z}", ["x": "1", "y": "{x}"]) == "a 1 b {x} {z}")
        let folder = TestFolder.path("tessera-prompts")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Prompts.builtIn.write(to: folder)
        #expect(try Prompts(folder: folder) == Prompts.builtIn)
        try "Query: {query}\nText: {passage}\nRelevant?\n".write(toFile: folder + "/relevance.txt", atomically: true, encoding: .utf8)
        let changed = try Prompts(folder: folder)
        #expect(changed.relevance == "Query: {query}\nText: {passage}\nRelevant?")
        #expect(changed.generation == Prompts.builtIn.generation)
        try "No placeholders here".write(toFile: folder + "/generation.txt", atomically: true, encoding: .utf8)
        #expect(throws: DistillError.self) { try Prompts(folder: folder) }
        try "not json\n".write(toFile: folder + "/generation.txt", atomically: true, encoding: .utf8)
        try "{}\n".write(toFile: folder + "/generation-examples.jsonl", atomically: true, encoding: .utf8)
        #expect(throws: DistillError.self) { try Prompts(folder: folder) }
        #expect(throws: DistillError.self) { try Prompts(folder: folder + "/missing") }
        #expect(try TaskFamily.parse(list: "fact, qa,fact") == [.factChecking, .questionAnswering])
        #expect(throws: DistillError.self) { try TaskFamily.parse(list: "poetry") }
    }

    @Test func generationMessagesCarryTheFewShotTurns() throws {
        var configuration = LLMConfiguration(baseURL: "http://127.0.0.1:1", model: "m")
        configuration.apiKeyVariable = nil
        let generator = QueryGenerator(client: try LLMClient(configuration: configuration), prompts: .builtIn)
        let messages = generator.messages(passage: "PASSAGE TEXT", family: .factChecking)
        #expect(messages.count == 2 + 2 * Prompts.builtIn.examples.count)
        #expect(messages.first?.role == "system")
        #expect(messages.last?.content.contains("PASSAGE TEXT") == true)
        #expect(messages.last?.content.contains(TaskFamily.factChecking.instruction) == true)
        #expect(messages[2].role == "assistant" && messages[2].content.hasPrefix("{\"query\""))
    }

    @Test func fusionRanksByBothScoresAndPicksTheNegative() {
        func candidate(_ doc: Int, _ ql: Double?, _ rc: Double?) -> Candidate {
            var c = Candidate(document: doc, retrievalRank: doc + 1, retrievalScore: 1)
            c.queryLikelihood = ql
            c.relevance = rc
            return c
        }
        // QL order: 2, 0, 1, 3; RC order: 0, 2, 3, 1.
        let fused = RankFusion.fuse([candidate(0, -5, 0.9), candidate(1, -8, 0.1), candidate(2, -2, 0.8), candidate(3, -9, 0.3)])
        #expect(fused.map(\.document) == [0, 2, 1, 3])  // R: 1.5, 1.5, 7/12, 7/12; retrieval order breaks ties
        #expect(fused[0].rankQL == 2 && fused[0].rankRC == 1 && fused[0].fused == 1.5)
        #expect(fused[2].fused == 1.0 / 4 + 1.0 / 3)
        var random = SystemRandomNumberGenerator()
        #expect(RankFusion.negative(in: 4, selection: .rank(20), random: &random) == 3)
        #expect(RankFusion.negative(in: 4, selection: .rank(2), random: &random) == 1)
        #expect(RankFusion.negative(in: 4, selection: .lowest, random: &random) == 3)
        #expect(RankFusion.negative(in: 1, selection: .lowest, random: &random) == nil)
        for _ in 0..<20 { #expect((1..<4).contains(RankFusion.negative(in: 4, selection: .random, random: &random) ?? 0)) }
        // RC alone: QL ranks stay empty.
        let rcOnly = RankFusion.fuse([candidate(0, nil, 0.2), candidate(1, nil, 0.7)])
        #expect(rcOnly.map(\.document) == [1, 0] && rcOnly[0].rankQL == nil && rcOnly[0].fused == 1)
        let rc = RelevanceClassifier.rc([(" Yes", log(0.6)), ("yes", log(0.1)), ("No", log(0.1)), ("Maybe", log(0.2))])
        #expect(abs(rc.yes - 0.7) < 1e-12 && abs(rc.no - 0.1) < 1e-12 && abs(rc.rc - 0.875) < 1e-12)
        #expect(RelevanceClassifier.rc([("Perhaps", -0.1)]).rc == 0)
        #expect(QueryLikelihood.offsets(of: ["a", " bc", "é"]) == [0, 1, 4])
    }
}
