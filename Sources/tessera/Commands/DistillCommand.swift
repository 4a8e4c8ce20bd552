import ArgumentParser
import Foundation
import TesseraDistill
import TesseraIndex
import TesseraIngest
import TesseraIO
import TesseraKernels
import TesseraSearch

/// `tessera distill`: FRet training data from a corpus and any OpenAI-compatible LLM server (Gecko's recipe).
struct DistillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "distill",
        abstract: "Write training data for a corpus with an LLM (FRet: generate queries, then relabel their neighbours).",
        discussion: """
        For --sample passages of the corpus (a seeded sample), the LLM writes a task description and a query \
        (stage 1; task families --families). The query's --neighbours nearest passages (the --model being adapted, \
        --retriever dense or xtr; the seed passage joins them when missed) are scored by the LLM twice: query \
        likelihood log P(query | passage) from prompt log-probabilities, and P("yes") to a relevance question \
        (stage 2). R = 1/rank_QL + 1/rank_RC picks the positive (the top) and the hard negative (--negative). \
        Output lines are in `tessera train`'s format (task, query, positive, negatives) with every score kept. \
        Responses are cached by request (--cache), and the run is logged to OUT.partial line by line, so an \
        interrupted run continues with --resume and a rerun costs no LLM requests. The API key is read from the \
        environment variable --llm-api-key-env and never printed.
        """
    )

    @Option(name: .long, help: "Corpus JSON lines (_id, title, text).")
    var corpus: String?
    @Option(name: .long, help: "The OpenAI-compatible server's base URL (http://127.0.0.1:8080, or …/v1).")
    var llmUrl: String?
    @Option(name: .long, help: "The model name sent to the server.")
    var llmModel: String = "default"
    @Option(name: .long, help: "Environment variable that holds the API key.")
    var llmApiKeyEnv: String = "OPENAI_API_KEY"
    @Option(name: .long, help: "Passages sampled from the corpus.")
    var sample: Int = 100
    @Option(name: .long, help: "Neighbours scored by the LLM per query.")
    var neighbours: Int = 20
    @Option(name: .long, help: "Output JSON lines (the training format).")
    var out: String?
    @Option(name: .long, help: "Seed of the sample, the task families and random negatives.")
    var seed: UInt64 = 42
    @Option(name: .long, help: "LLM requests in flight at once.")
    var concurrency: Int = 2
    @Flag(name: .long, help: "Continue the run logged in OUT.partial.")
    var resume = false
    @Option(name: .long, help: "The retrieval model being adapted (folder or cached name).")
    var model: String = "all-MiniLM-L6-v2"
    @Option(name: .long, help: "dense or xtr: how neighbours are found.")
    var retriever: String = "dense"
    @Option(name: .long, help: "Where the retrieval index is built or reused (default: OUT.index-RETRIEVER).")
    var index: String?
    @Option(name: .long, help: "Task families, comma-separated: qa, fact, search, similarity.")
    var families: String = "qa,fact,search,similarity"
    @Option(name: .long, help: "Hard negative: rank (the fused rank --negative-rank), lowest or random.")
    var negative: String = "rank"
    @Option(name: .long, help: "Positive: fused (the top of the LLM's ranking, FRet) or seed (the passage the query was written for; Gecko's ablation).")
    var positive: String = "fused"
    @Option(name: .long, help: "The fused rank of the hard negative.")
    var negativeRank: Int = 20
    @Option(name: .long, help: "What the LLM scores: auto (both where the server can), both, rc (relevance alone), ql (query likelihood alone) or none (no relabelling, with --positive seed: one LLM request per passage, the hard negative from the retriever's ranking).")
    var scoring: String = "auto"
    @Option(name: .long, help: "Alternatives per prompt position asked for by query likelihood.")
    var likelihoodAlternatives: Int = 20
    @Option(name: .long, help: "A folder of prompt files replacing the built-in ones (see --write-prompts).")
    var prompts: String?
    @Option(name: .long, help: "Write the built-in prompts to this folder and stop.")
    var writePrompts: String?
    @Option(name: .long, help: "Response cache folder (default: OUT.cache).")
    var cache: String?
    @Flag(name: .long, help: "Send every request, even if answered before.")
    var noCache = false
    @Option(name: .long, help: "Seconds per LLM attempt.")
    var timeout: Double = 120
    @Option(name: .long, help: "Attempts per LLM request.")
    var maxAttempts: Int = 6
    @Option(name: .long, help: "Passages are cut to this many characters in prompts.")
    var maxPassageChars: Int = 2000
    @Option(name: .long, help: "Stage 1 sampling temperature.")
    var temperature: Double = 0.7
    @Option(name: .long, help: "Encoder threads for the retrieval index.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    @Flag(name: .long, help: "Print the summary as JSON on stdout.")
    var json = false
    @Flag(name: .long, help: "No progress on stderr.")
    var quiet = false

    func validate() throws {
        if writePrompts != nil { return }
        guard corpus != nil, llmUrl != nil, out != nil else { throw ValidationError("--corpus, --llm-url and --out are required") }
        if !["dense", "xtr"].contains(retriever) { throw ValidationError("--retriever must be dense or xtr") }
        if !["rank", "lowest", "random"].contains(negative) { throw ValidationError("--negative must be rank, lowest or random") }
        if PositiveSelection(rawValue: positive) == nil { throw ValidationError("--positive must be fused or seed") }
        if !["auto", "both", "rc", "ql", "none"].contains(scoring) { throw ValidationError("--scoring must be auto, both, rc, ql or none") }
        if scoring == "none" && positive != "seed" { throw ValidationError("--scoring none needs --positive seed (nothing ranks the neighbours but the retriever)") }
        if concurrency < 1 || threads < 1 { throw ValidationError("--concurrency and --threads must be at least 1") }
    }

    func run() throws {
        if let folder = writePrompts {
            try Prompts.builtIn.write(to: folder)
            printError("wrote the built-in prompts to \(folder)")
            return
        }
        guard let corpus, let llmUrl, let out else { return }
        var llm = LLMConfiguration(baseURL: llmUrl, model: llmModel)
        llm.apiKeyVariable = llmApiKeyEnv
        llm.concurrency = concurrency
        llm.timeout = timeout
        llm.maximumAttempts = maxAttempts
        llm.cacheFolder = noCache ? nil : (cache ?? out + ".cache")
        let client = try LLMClient(configuration: llm)
        var options = DistillOptions()
        options.sample = sample
        options.seed = seed
        options.neighbours = neighbours
        options.families = try TaskFamily.parse(list: families)
        options.negative = try NegativeSelection(name: negative, rank: negativeRank)
        options.maximumPassageCharacters = maxPassageChars
        options.generationTemperature = temperature
        options.samplesInFlight = max(2, concurrency)
        options.scoring = ["both": .both, "rc": .relevanceOnly, "ql": .likelihoodOnly, "none": .retrieverOnly][scoring]
        options.likelihoodAlternatives = likelihoodAlternatives
        options.positive = PositiveSelection(rawValue: positive) ?? .fused
        let promptSet = try prompts.map { try Prompts(folder: $0) } ?? Prompts.builtIn

        // The corpus, in the order the index stores it.
        let reader = try TextRecordReader(path: corpus)
        var records: [TextRecord] = []
        while let record = try reader.next() { records.append(record) }

        // The retriever: an index of the corpus by the model being adapted, built once and reused.
        let kind: IndexKind = retriever == "xtr" ? .tokensWARP : .dense
        let indexPath = index ?? out + ".index-" + retriever
        if !FileManager.default.fileExists(atPath: indexPath + "/" + IndexManifest.fileName) {
            if !quiet { printError("building the \(retriever) index of \(corpus) at \(indexPath)") }
            var build = IndexBuildOptions()
            build.threads = threads
            build.hnsw = nil
            _ = try IndexBuilder.build(kind: kind, model: model, corpus: corpus, destination: indexPath, options: build)
        }
        let store = try DocumentStore(folder: try IndexFolder(path: indexPath, verifyChecksums: false))
        guard store.count == records.count, records.indices.allSatisfy({ records[$0].id == nil || store.ids[$0] == records[$0].id }) else {
            throw ValidationError("the index \(indexPath) does not hold \(corpus) in order: delete it or pass another --index")
        }
        var search = SearchOptions()
        search.parameters.threads = 1
        let searcher = try Searchers.open(mode: retriever == "xtr" ? .xtr : .denseExact, indexes: [indexPath], model: model, options: search)
        let distiller = try Distiller(client: client, prompts: promptSet, corpus: records, corpusName: URL(fileURLWithPath: corpus).standardizedFileURL.path,
                                      options: options) { text, k in try searcher.search(text, topK: k) }

        let quiet = quiet
        let bar = UncheckedBox(ProgressBar(label: "distill", total: min(sample, records.count), enabled: !quiet))
        let box = UncheckedBox(SummarySlot())
        try runBlocking {
            box.value.summary = try await distiller.run(output: out, resume: resume, note: { message in
                if !quiet { printError(message) }
            }, progress: { p in
                let eta = p.secondsLeft.map { String(format: "ETA %.0f s", $0) } ?? ""
                bar.value.update(done: p.done, detail: String(format: "kept %d  %.2f requests/s  %@", p.kept, p.requestsPerSecond, eta))
            })
        }
        bar.value.finish()
        let summary = box.value.summary
        // The run's settings and summary beside the output.
        var meta = JSONWriter.encode(.object(JSONObject([("settings", distillerSettings(distiller)), ("summary", summary.json)])))
        meta.append(0x0A)
        let sidecar = try AtomicFile(destination: out + ".meta.json")
        try sidecar.write(meta)
        try sidecar.commit()
        if json {
            print(String(decoding: JSONWriter.encode(summary.json), as: UTF8.self))
        } else if !quiet {
            let drops = summary.dropped.keys.sorted().map { "\($0) \(summary.dropped[$0] ?? 0)" }.joined(separator: ", ")
            printError(String(format: "%d of %d samples kept (dropped: %@); positive ≠ seed passage in %d; %d LLM requests (%d cached, %d retries), %d prompt + %d completion tokens, %.1f passages/hour; scoring %@",
                              summary.kept, summary.samples, drops.isEmpty ? "none" : drops, summary.positiveNotSeed, summary.usage.requests,
                              summary.usage.cacheHits, summary.usage.retries, summary.usage.promptTokens, summary.usage.completionTokens,
                              summary.passagesPerHour, summary.scoring.rawValue))
        }
    }

    private func distillerSettings(_ d: Distiller) -> JSONValue {
        d.settings["distill"] ?? .null
    }
}

/// Where the async run leaves its summary for the command line.
final class SummarySlot { var summary = DistillSummary() }
