import Foundation
import Testing
import TesseraIO
import TesseraKernels
import TesseraTraining
import TesseraTestSupport
@testable import TesseraDistill

/// The whole pipeline against a scripted OpenAI-style server: training lines, drops, cache reruns, resume after a
/// failure, and the fallback to relevance classification alone.
@Suite(.serialized) struct DistillerTests {
    static let words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliett", "kilo", "lima"]
    let folder = TestFolder.path("tessera-distill")

    var corpus: [TextRecord] {
        Self.words.enumerated().map { i, word in
            var text = "This passage is about \(word) and nothing else of note here."
            if i == 3 { text += " GARBAGE" }
            if i == 5 { text = "This passage is about \(word) and it tells a long story of many things." }
            return TextRecord(id: "d\(i)", title: "Doc \(i)", text: text, line: i + 1)
        }
    }

    /// The scripted LLM: queries name the passage's word; RC and QL favour passages that contain the query's word.
    static func script(echoLogprobs: Bool = true, failFrom: @escaping @Sendable () -> Int? = { nil }) -> FakeLLMServer {
        FakeLLMServer { path, body, index in
            if let limit = failFrom(), index >= limit { return .init(status: 400, body: #"{"error": {"message": "quota exceeded"}}"#) }
            func word(after marker: String, in text: String) -> String? {
                guard let r = text.range(of: marker) else { return nil }
                return text[r.upperBound...].split(whereSeparator: { !$0.isLetter }).first.map(String.init)
            }
            if path.hasSuffix("/chat/completions") {
                let last = body["messages"]?.arrayValue?.last?["content"]?.stringValue ?? ""
                if last.contains("Answer yes or no") {
                    let query = last.components(separatedBy: "Query: ").dropFirst().first?.components(separatedBy: "\n").first ?? ""
                    let passage = last.components(separatedBy: "Passage: ").dropFirst().first ?? ""
                    let topic = query.split(separator: " ").last.map(String.init) ?? "sky"
                    let yes = passage.contains(topic) || last.contains("sky") ? 0.9 : 0.2 - 0.01 * Double(passage.count % 7)
                    return .init(body: FakeLLMServer.chat("Yes", top: [("Yes", log(yes)), ("No", log(1 - yes))]))
                }
                if last.contains("GARBAGE") { return .init(body: FakeLLMServer.chat("I cannot.\nSorry about that.\nReally.")) }
                let topic = word(after: "is about ", in: last) ?? "none"
                if topic == "golf" { return .init(body: FakeLLMServer.chat(#"{"query": "How long is the Rhine river?"}"#)) }
                if topic == "foxtrot" {
                    return .init(body: FakeLLMServer.chat(#"{"task": "Find it", "query": "about foxtrot and it tells a long story"}"#))
                }
                return .init(body: FakeLLMServer.chat("Sure: {\"task\": \"Find passages on a topic\", \"query\": \"what is known about \(topic)\"}"))
            }
            let prompt = body["prompt"]?.stringValue ?? ""
            guard echoLogprobs else {
                return .init(body: #"{"choices": [{"text": "x", "index": 0, "logprobs": null, "finish_reason": "length"}]}"#)
            }
            guard body["echo"]?.boolValue == true else {
                // A greedy generation: " Paris" at -0.5, which the echo of any prompt without a passage repeats.
                return .init(body: FakeLLMServer.json(.object(JSONObject([("choices", .array([.object(JSONObject([
                    ("text", .string(" Paris")), ("logprobs", .object(JSONObject([("tokens", .array([.string(" Paris")])),
                        ("token_logprobs", .array([.number(-0.5)])), ("text_offset", .array([.number(Double(prompt.unicodeScalars.count))]))]))),
                ]))]))]))))
            }
            let topic = prompt.split(whereSeparator: { !$0.isLetter }).last.map(String.init) ?? ""
            let passage = prompt.components(separatedBy: "\nTask:").first ?? prompt
            let per = !prompt.contains("Task:") || passage.contains(topic) ? -0.5 : -2.0
            return .init(body: FakeLLMServer.echo(prompt) { _, _ in per })
        }
    }

    func distiller(_ server: FakeLLMServer, cache: String?, sample: Int = 8, adjust: (inout DistillOptions) -> Void = { _ in }) throws -> Distiller {
        var configuration = LLMConfiguration(baseURL: server.url, model: "fake")
        configuration.apiKeyVariable = nil
        configuration.cacheFolder = cache
        configuration.maximumAttempts = 2
        configuration.initialBackoff = 0.01
        var options = DistillOptions()
        options.sample = sample
        options.neighbours = 5
        adjust(&options)
        let n = corpus.count
        return try Distiller(client: try LLMClient(configuration: configuration), prompts: .builtIn, corpus: corpus, corpusName: "test-corpus",
                             options: options) { _, k in
            (0..<min(k, n)).map { ScoredDocument(document: Int32(n - 1 - $0), score: Float(10 - $0)) }
        }
    }

    func lines(_ path: String) throws -> [JSONValue] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { try JSONValue.parse(string: String($0)) }
    }

    @Test func writesTrainingLinesAndCountsWhatItDropped() async throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let server = Self.script()
        try await server.start()
        let d = try distiller(server, cache: folder + "/cache")
        let sampled = d.sampledPositions
        #expect(sampled.count == 8 && Set(sampled).count == 8)
        let out = folder + "/fret.jsonl"
        let summary = try await d.run(output: out, resume: false)
        let expectedDrops = sampled.filter { $0 == 3 || $0 == 5 || $0 == 6 }.count
        #expect(summary.kept == 8 - expectedDrops)
        #expect(summary.dropped["parse_unparseable"] == (sampled.contains(3) ? 1 : nil))
        #expect(summary.dropped["copy"] == (sampled.contains(5) ? 1 : nil))
        #expect(summary.dropped["example_copy"] == (sampled.contains(6) ? 1 : nil))
        #expect(summary.scoring == .both)
        #expect(!FileManager.default.fileExists(atPath: out + ".partial"))
        let written = try lines(out)
        #expect(written.count == summary.kept)
        let kept = sampled.filter { $0 != 3 && $0 != 5 && $0 != 6 }
        for (line, position) in zip(written, kept) {
            #expect(line["seed_id"]?.stringValue == "d\(position)")
            #expect(line["query"]?.stringValue == "what is known about \(Self.words[position])")
            #expect(line["task"]?.stringValue == "Find passages on a topic")
            // The seed passage is the only one that names the topic: both LLM scores put it first.
            #expect(line["positive_id"]?.stringValue == "d\(position)")
            #expect(line["positive_is_seed"]?.boolValue == true)
            let seedRetrieved = position >= 7
            #expect(line["seed_retrieved"]?.boolValue == seedRetrieved)
            let candidates = line["candidates"]?.arrayValue ?? []
            #expect(candidates.count == (seedRetrieved ? 5 : 6))
            #expect(candidates.first?["rank_ql"]?.intValue == 1 && candidates.first?["rank_rc"]?.intValue == 1)
            #expect(candidates.first?["ql_tokens"]?.intValue == 5)
            // Rank 20 of a shorter list: its last candidate.
            #expect(line["negative_ids"]?.arrayValue?.first?.stringValue == candidates.last?["id"]?.stringValue)
            // `tessera train` reads the line as it is.
            let example = try TrainingData.parse(JSONWriter.encode(line), line: 1, source: out)
            #expect(example.task == "Find passages on a topic" && example.negatives.count == 1 && example.positive.title == "Doc \(position)")
        }
        let sent = server.requests.count
        #expect(summary.usage.requests == sent && summary.usage.cacheHits == 0)

        // A rerun with the cache sends nothing and writes the same bytes.
        let again = try await distiller(server, cache: folder + "/cache").run(output: folder + "/again.jsonl", resume: false)
        #expect(server.requests.count == sent && again.usage.cacheHits == sent && again.usage.requests == 0)
        #expect(FileManager.default.contents(atPath: out) == FileManager.default.contents(atPath: folder + "/again.jsonl"))
        await server.stop()
    }

    @Test func theSeedPassageCanBeThePositive() async throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // RC and QL favour the passage at corpus position 11 for every query: FRet makes it the positive, `seed` does not.
        let server = FakeLLMServer { path, body, _ in
            if path.hasSuffix("/chat/completions") {
                let last = body["messages"]?.arrayValue?.last?["content"]?.stringValue ?? ""
                if last.contains("Answer yes or no") {
                    let yes = last.contains("about lima") || last.contains("sky") ? 0.9 : 0.1
                    return .init(body: FakeLLMServer.chat("Yes", top: [("Yes", log(yes)), ("No", log(1 - yes))]))
                }
                return .init(body: FakeLLMServer.chat(#"{"query": "which animal is described here", "task": "t"}"#))
            }
            return .init(body: #"{"choices": [{"text": "x", "index": 0, "logprobs": null}]}"#)
        }
        try await server.start()
        let fused = try await distiller(server, cache: nil, sample: 4).run(output: folder + "/fused.jsonl", resume: false)
        let seeded = try await distiller(server, cache: nil, sample: 4, adjust: { $0.positive = .seed }).run(output: folder + "/seed.jsonl", resume: false)
        await server.stop()
        #expect(fused.kept == 4 && seeded.kept == 4)
        for line in try lines(folder + "/fused.jsonl") where line["seed_id"]?.stringValue != "d11" {
            #expect(line["positive_id"]?.stringValue == "d11" && line["positive_is_seed"]?.boolValue == false)
        }
        for line in try lines(folder + "/seed.jsonl") {
            #expect(line["positive_id"]?.stringValue == line["seed_id"]?.stringValue)
            #expect(line["negative_ids"]?.arrayValue?.first?.stringValue != line["seed_id"]?.stringValue)
            #expect(line["negative_ids"]?.arrayValue?.count == 1)
        }
    }

    /// `--scoring none`: one LLM request per sample (stage 1, no probe, no scoring), the seed passage as the positive and
    /// the hard negative from the retriever's ranking; asking for it with FRet's fused positive is an error.
    @Test func withoutRelabellingOnlyQueriesAreGenerated() async throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let server = FakeLLMServer { path, body, _ in
            .init(body: FakeLLMServer.chat(#"{"query": "which animal is described here", "task": "t"}"#))
        }
        try await server.start()
        let summary = try await distiller(server, cache: nil, sample: 4, adjust: {
            $0.positive = .seed
            $0.scoring = .retrieverOnly
            $0.negative = .rank(3)
        }).run(output: folder + "/none.jsonl", resume: false)
        let requests = server.requests
        await server.stop()
        #expect(requests.count == 4 && requests.allSatisfy { $0.path.hasSuffix("/chat/completions") })
        #expect(summary.kept == 4 && summary.scoring == .retrieverOnly && summary.echoAlignment == nil)
        let n = corpus.count
        for line in try lines(folder + "/none.jsonl") {
            let seed = try #require(line["seed_id"]?.stringValue)
            #expect(line["positive_id"]?.stringValue == seed && line["scoring"]?.stringValue == "none")
            // The retriever ranks d(n-1), d(n-2), …; the negative is the second of them that is not the seed.
            let others = (0..<n).map { "d\(n - 1 - $0)" }.filter { $0 != seed }
            #expect(line["negative_ids"]?.arrayValue?.first?.stringValue == others[1], "\(seed)")
            #expect(line["candidates"]?.arrayValue?.allSatisfy { $0["rc"] == .null && $0["ql"] == .null } == true)
        }
        #expect(throws: DistillError.self) {
            _ = try self.distiller(server, cache: nil, adjust: { $0.scoring = .retrieverOnly })
        }
    }

    @Test func resumesAfterAFailureWithNothingWrittenLost() async throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // The reference: one uninterrupted run.
        let clean = Self.script()
        try await clean.start()
        _ = try await distiller(clean, cache: nil).run(output: folder + "/clean.jsonl", resume: false)
        await clean.stop()

        let limit = LockedValue<Int?>(nil)
        limit.set(40)
        let server = Self.script(failFrom: { limit.value })
        try await server.start()
        let out = folder + "/fret.jsonl"
        await #expect { _ = try await distiller(server, cache: nil).run(output: out, resume: false) } throws: { error in
            "\(error)".contains("quota exceeded")
        }
        #expect(!FileManager.default.fileExists(atPath: out))
        let partial = try lines(out + ".partial")
        #expect(partial.count >= 2, "the samples finished before the failure are kept")
        // A torn last line (a crash mid-write) is cut off on resume.
        let handle = try #require(FileHandle(forWritingAtPath: out + ".partial"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"sample": 99, "que"#.utf8))
        try handle.close()
        // Without --resume the log is not replaced.
        limit.set(nil)
        await #expect { _ = try await distiller(server, cache: nil).run(output: out, resume: false) } throws: { error in
            "\(error)".contains("--resume")
        }
        // Other settings cannot continue it.
        await #expect { _ = try await distiller(server, cache: nil, adjust: { $0.neighbours = 4 }).run(output: out, resume: true) } throws: { error in
            "\(error)".contains("other settings")
        }
        let before = server.requests.count
        let resumed = try await distiller(server, cache: nil).run(output: out, resume: true)
        #expect(resumed.processedHere == 8 - (partial.count - 1))
        #expect(server.requests.count > before)
        #expect(FileManager.default.contents(atPath: out) == FileManager.default.contents(atPath: folder + "/clean.jsonl"))
        await server.stop()
    }

    @Test func fallsBackToRelevanceAloneWithoutPromptLogprobs() async throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let server = Self.script(echoLogprobs: false)
        try await server.start()
        let notes = LockedValue<[String]>([])
        let summary = try await distiller(server, cache: nil, sample: 3).run(output: folder + "/rc.jsonl", resume: false, note: { notes.append($0) })
        await server.stop()
        #expect(summary.scoring == .relevanceOnly)
        #expect(notes.value.filter { $0.contains("query likelihood is off") }.count == 1)
        for line in try lines(folder + "/rc.jsonl") {
            #expect(line["scoring"]?.stringValue == "rc")
            #expect(line["candidates"]?.arrayValue?.allSatisfy { $0["rank_ql"]?.isNull == true && $0["rank_rc"]?.intValue != nil } == true)
            #expect(line["positive_is_seed"]?.boolValue == true)
        }
        // Completions are only probed once, never per candidate.
        #expect(server.requests.filter { $0.path == "/v1/completions" }.count == 1)
    }
}

