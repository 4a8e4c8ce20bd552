import Foundation
import TesseraIO
import TesseraKernels

/// FRet end to end (PAPERS.md §1): sample passages, have the LLM write a task and a query for each (stage 1),
/// retrieve the query's neighbours, have the LLM score each neighbour by query likelihood and relevance, fuse the two
/// rankings, and write a training line with the fused top as positive and a hard negative (stage 2).
public final class Distiller: Sendable {
    /// Retrieves the top `k` corpus positions for a text (the model being adapted, dense or XTR).
    public typealias Retrieve = @Sendable (_ text: String, _ k: Int) throws -> [ScoredDocument]

    let client: LLMClient
    let prompts: Prompts
    let corpus: [TextRecord]
    let retrieve: Retrieve
    let options: DistillOptions
    /// What identifies the corpus in the log header (its path, say).
    let corpusName: String

    /// A distiller over `corpus` (in the retriever's order: position i is `corpus[i]`).
    public init(client: LLMClient, prompts: Prompts, corpus: [TextRecord], corpusName: String, options: DistillOptions,
                retrieve: @escaping Retrieve) throws(DistillError) {
        try options.validate()
        try prompts.validate()
        guard !corpus.isEmpty else { throw DistillError(.invalidArgument, "the corpus is empty") }
        self.client = client
        self.prompts = prompts
        self.corpus = corpus
        self.corpusName = corpusName
        self.options = options
        self.retrieve = retrieve
    }

    /// The sampled corpus positions, in processing order (a seeded shuffle, the first `sample`).
    public var sampledPositions: [Int] {
        var random = SplitMix64(seed: options.seed)
        var positions = Array(corpus.indices)
        positions.shuffle(using: &random)
        return Array(positions.prefix(min(options.sample, corpus.count)))
    }

    /// The id written for a corpus position (its `_id`, else its line).
    func id(_ position: Int) -> String { corpus[position].id ?? "line:\(corpus[position].line)" }

    /// The passage as the prompts show it: title, a newline, the text, cut at a word to the character limit.
    func passage(_ position: Int) -> String {
        let record = corpus[position]
        var text = record.title.map { $0.isEmpty ? "" : $0 + "\n" } ?? ""
        text += record.text
        guard text.count > options.maximumPassageCharacters else { return text }
        var cut = String(text.prefix(options.maximumPassageCharacters))
        if let space = cut.lastIndex(where: { $0 == " " || $0 == "\n" }) { cut = String(cut[..<space]) }
        return cut + " …"
    }

    /// The settings that a resumed run must share (the log header, and the `settings` of OUT.meta.json).
    public var settings: JSONValue { Self.wrap(settingEntries) }

    /// `{"distill": {entries}}`, the shape of the settings and of the log header.
    private static func wrap(_ entries: [(String, JSONValue)]) -> JSONValue {
        .object(JSONObject([("distill", .object(JSONObject(entries)))]))
    }

    /// The entries of `settings`, in order.
    private var settingEntries: [(String, JSONValue)] {
        let p = prompts
        let promptText = [p.generationSystem, p.generation, p.relevance, p.queryLikelihood]
            + p.examples.flatMap { [$0.family, $0.passage, $0.task, $0.query] }
        let promptHash = Array(promptText.joined(separator: "\u{1F}").utf8).withUnsafeBytes { SHA256.hex(of: $0) }
        let o = options
        return [
            ("corpus", .string(corpusName)), ("corpus_size", .number(Double(corpus.count))),
            ("llm_url", .string(client.configuration.baseURL)), ("llm_model", .string(client.configuration.model)),
            ("sample", .number(Double(o.sample))), ("seed", .string(String(o.seed))), ("neighbours", .number(Double(o.neighbours))),
            ("families", .array(o.families.map { .string($0.name) })), ("negative", .string(o.negative.name)), ("positive", .string(o.positive.rawValue)),
            ("max_passage_chars", .number(Double(o.maximumPassageCharacters))), ("include_seed", .bool(o.includeSeed)),
            ("generation_temperature", .number(o.generationTemperature)), ("generation_max_tokens", .number(Double(o.generationMaximumTokens))),
            ("prompts_sha256", .string(promptHash)),
        ]
    }

    /// Finds what the server can score: QL needs prompt log-probabilities (and their alignment, checked against the
    /// server's own generation), RC answer log-probabilities. Returns a notice when one of them is off; throws when
    /// both are, or when `options.scoring` asks for one the server cannot give.
    public func probeScoring() async throws -> (scoring: RelabelScoring, alignment: EchoAlignment, note: String?) {
        let wanted = options.scoring
        if wanted == .retrieverOnly { return (.retrieverOnly, .aligned, nil) }
        var alignment = EchoAlignment.aligned
        var qlError: DistillError? = nil
        var rcError: DistillError? = nil
        if wanted != .relevanceOnly {
            do { alignment = try await QueryLikelihood.calibrate(client: client) } catch let e as DistillError where e.code == .unsupported { qlError = e }
        }
        if wanted != .likelihoodOnly {
            do { _ = try await RelevanceClassifier(client: client).score("Is the sky blue? Answer yes or no.") } catch let e as DistillError where e.code == .unsupported { rcError = e }
        }
        if let wanted {
            if wanted != .relevanceOnly, let qlError { throw DistillError(.unsupported, "query likelihood was asked for, but \(qlError)") }
            if wanted != .likelihoodOnly, let rcError { throw DistillError(.unsupported, "relevance classification was asked for, but \(rcError)") }
            return (wanted, alignment, alignment == .shifted ? Self.shiftedNote : nil)
        }
        switch (qlError, rcError) {
        case (nil, nil): return (.both, alignment, alignment == .shifted ? Self.shiftedNote : nil)
        case (let q?, nil): return (.relevanceOnly, alignment, "query likelihood is off: \(q); relabelling by relevance classification alone")
        case (nil, let r?): return (.likelihoodOnly, alignment, "relevance classification is off: \(r); relabelling by query likelihood alone")
        case (let q?, let r?): throw DistillError(.unsupported, "the server can score neither query likelihood (\(q)) nor relevance (\(r))")
        }
    }

    static let shiftedNote = "the server's echoed log-probabilities are shifted by one token (as llama-cpp-python 0.3.x writes them): query likelihood reads each token from the previous position's alternatives"

    /// Runs the pipeline into `output` (JSON lines in the training format), through the log `output + ".partial"`;
    /// `resume` continues an interrupted run. `note` hears one-time notices, `progress` a report after each sample.
    public func run(output: String, resume: Bool, note: @Sendable (String) -> Void = { _ in },
                    progress: @Sendable (DistillProgress) -> Void = { _ in }) async throws -> DistillSummary {
        let started = Date()
        let (scoring, alignment, scoringNote) = try await probeScoring()
        if let scoringNote { note(scoringNote) }
        // The log header: the settings plus what the probe found, so that a resumed run scores as the first did.
        let header = Self.wrap(settingEntries + [("scoring", .string(scoring.rawValue)), ("echo_alignment", .string(alignment.rawValue))])
        let log = try DistillLog(path: output + ".partial", header: header, resume: resume)
        let positions = sampledPositions
        guard log.lines.count <= positions.count else {
            throw DistillError(.invalidArgument, "\(log.path) holds more samples than the run has: delete it")
        }
        for (i, line) in log.lines.enumerated() where line["sample"]?.intValue != i || line["seed_id"]?.stringValue != id(positions[i]) {
            throw DistillError(.invalidArgument, "\(log.path): line \(i + 2) is not sample \(i) (\(id(positions[i]))): delete the log to start again")
        }
        if !log.lines.isEmpty { note("resuming after \(log.lines.count) of \(positions.count) samples in \(log.path)") }
        let first = log.lines.count
        let worker = SampleWorker(distiller: self, scoring: scoring, alignment: alignment)
        var summary = DistillSummary()
        summary.scoring = scoring
        summary.echoAlignment = scoring.scoresLikelihood ? alignment : nil
        summary.samples = positions.count
        for line in log.lines { summary.count(line) }
        let window = max(1, options.samplesInFlight)
        var done = first
        try await withThrowingTaskGroup(of: (Int, JSONValue).self) { group in
            var next = first
            var finished: [Int: JSONValue] = [:]
            while next < positions.count && next < first + window {
                let i = next
                group.addTask { (i, try await worker.process(sample: i, position: positions[i])) }
                next += 1
            }
            while let (i, line) = try await group.next() {
                finished[i] = line
                while let ready = finished.removeValue(forKey: done) {
                    try log.append(ready)
                    summary.count(ready)
                    done += 1
                    summary.processedHere += 1
                    let elapsed = Date().timeIntervalSince(started)
                    let perSample = elapsed / Double(done - first)
                    progress(DistillProgress(done: done, total: positions.count, kept: summary.kept,
                                             requestsPerSecond: client.usage.requestsPerSecond,
                                             secondsLeft: perSample * Double(positions.count - done)))
                }
                if next < positions.count {
                    let j = next
                    group.addTask { (j, try await worker.process(sample: j, position: positions[j])) }
                    next += 1
                }
            }
        }
        try log.finish(into: output)
        summary.usage = client.usage
        summary.seconds = Date().timeIntervalSince(started)
        return summary
    }
}

extension DistillSummary {
    /// Adds one sample line of the log.
    mutating func count(_ line: JSONValue) {
        if let reason = line["dropped"]?.stringValue {
            dropped[reason, default: 0] += 1
            return
        }
        kept += 1
        if line["positive_is_seed"]?.boolValue == false { positiveNotSeed += 1 }
        if line["seed_retrieved"]?.boolValue == true { seedRetrieved += 1 }
    }
}
