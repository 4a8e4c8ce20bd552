import ArgumentParser
import Foundation
import TesseraIndex
import TesseraIO
import TesseraIngest
import TesseraModels
import TesseraSearch

/// `tessera index`: build an index folder from a BEIR corpus.
struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Build an index folder (dense vectors, token vectors or BM25 postings) from a corpus.jsonl.",
        discussion: "The folder is written under a temporary name and renamed into place: an existing index at --out is replaced only when the new one is complete."
    )

    @Option(name: .long, help: "Model folder or cached model name (not needed for --kind bm25).")
    var model: String?
    @Option(name: .long, help: "BEIR corpus.jsonl (_id, title, text).")
    var corpus: String
    @Option(name: .long, help: "Index folder to write.")
    var out: String
    @Option(name: .long, help: "What to build.")
    var kind: IndexKindArgument
    @Flag(name: .long, help: "Tokens: store exact float32 vectors (for colbert, xtr-exact, aligner-exact) instead of the compressed WARP index.")
    var exact = false
    @Option(name: .long, help: "Tokens (compressed): residual bits per dimension, 2 or 4 (default 4).")
    var bits: Int?
    @Option(name: .long, help: "Tokens (compressed): k-means centroids (default 2^floor(log2(16·sqrt(tokens)))).")
    var centroids: Int?
    @Option(name: .long, help: "Tokens (compressed): keep each document's top β fraction of tokens by salience (AligneR pruning).")
    var prune: Double?
    @Flag(name: .long, help: "Dense: no HNSW graph (flat vectors only).")
    var noHnsw = false
    @Option(name: .long, help: "Dense: HNSW M (links per node; default 16).")
    var hnswM: Int?
    @Option(name: .long, help: "Dense: HNSW efConstruction (default 200).")
    var efConstruction: Int?
    @Option(name: .long, help: "Document token budget (default: the model's, 256 for MiniLM).")
    var maxLength: Int?
    @Option(name: .long, help: "Dense: Matryoshka dimension stored.")
    var dim: Int?
    @Flag(name: .long, help: "Tokens: do not index [CLS] and [SEP].")
    var skipSpecial = false
    @Flag(name: .long, help: "Tokens: do not index punctuation pieces.")
    var skipPunctuation = false
    @Option(name: .long, help: "BM25 k1 stored as the default (1.5).")
    var k1: Double?
    @Option(name: .long, help: "BM25 b stored as the default (0.75).")
    var b: Double?
    @Option(name: .long, help: "Texts per encoder batch.")
    var batchSize: Int = 32
    @Option(name: .long, help: "Encoder threads (default: every core).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    @Flag(name: .long, help: "No progress or summary on stderr.")
    var quiet = false
    @Flag(name: .long, help: "Print the summary as one JSON object on stdout.")
    var json = false

    func validate() throws {
        if kind != .bm25 && model == nil { throw ValidationError("--model is required for --kind \(kind.rawValue)") }
        if batchSize < 1 || threads < 1 { throw ValidationError("--batch-size and --threads must be at least 1") }
        if let bits, bits != 2 && bits != 4 { throw ValidationError("--bits must be 2 or 4") }
        if let centroids, centroids < 1 { throw ValidationError("--centroids must be at least 1") }
        if let prune, !(prune > 0 && prune <= 1) { throw ValidationError("--prune must be in (0, 1]") }
        if (hnswM ?? 16) < 2 || (efConstruction ?? 200) < 1 { throw ValidationError("--hnsw-m must be at least 2 and --ef-construction at least 1") }
        // A flag the chosen kind would ignore is an error, not a silent no-op.
        let compressed = kind == .tokens && !exact
        let specific: [(flag: String, given: Bool, appliesTo: String, applies: Bool)] = [
            ("--exact", exact, "--kind tokens", kind == .tokens),
            ("--bits", bits != nil, "--kind tokens without --exact", compressed),
            ("--centroids", centroids != nil, "--kind tokens without --exact", compressed),
            ("--prune", prune != nil, "--kind tokens without --exact", compressed),
            ("--skip-special", skipSpecial, "--kind tokens", kind == .tokens),
            ("--skip-punctuation", skipPunctuation, "--kind tokens", kind == .tokens),
            ("--no-hnsw", noHnsw, "--kind dense", kind == .dense),
            ("--hnsw-m", hnswM != nil, "--kind dense", kind == .dense && !noHnsw),
            ("--ef-construction", efConstruction != nil, "--kind dense", kind == .dense && !noHnsw),
            ("--dim", dim != nil, "--kind dense", kind == .dense),
            ("--k1", k1 != nil, "--kind bm25", kind == .bm25),
            ("--b", b != nil, "--kind bm25", kind == .bm25),
        ]
        for flag in specific where flag.given && !flag.applies {
            throw ValidationError("\(flag.flag) does not apply to --kind \(kind.rawValue)\(exact ? " --exact" : ""): it is for \(flag.appliesTo)")
        }
    }

    func run() throws {
        let progress = ProgressBar(label: "indexing", total: countLines(corpus), enabled: !quiet)
        var options = IndexBuildOptions()
        options.maxLength = maxLength
        options.dimension = dim
        options.skipSpecial = skipSpecial
        options.skipPunctuation = skipPunctuation
        options.bm25 = BM25Parameters(k1: k1 ?? 1.5, b: b ?? 0.75)
        options.batchSize = batchSize
        options.threads = threads
        options.warp.bits = bits ?? 4
        options.warp.centroids = centroids
        options.warp.prune = prune ?? 1
        options.hnsw = noHnsw ? nil : HNSWParameters(m: hnswM ?? 16, efConstruction: efConstruction ?? 200)
        let bar = UncheckedBox(progress)
        options.progress = { done, tokens in bar.value.update(done: done, tokens: tokens) }
        let report = try IndexBuilder.build(kind: kind == .tokens && !exact ? .tokensWARP : IndexKind(rawValue: kind.rawValue), model: model, corpus: corpus,
                                            destination: out, options: options)
        progress.finish()
        if json {
            // The manifest's spelling: the CLI's kind, and for tokens the layout (warp, or exact with --exact).
            var pairs: [(String, JSONValue)] = [("kind", .string(kind.rawValue))]
            if kind == .tokens { pairs.append(("layout", .string(exact ? "exact" : "warp"))) }
            pairs += [
                ("out", .string(out)),
                ("documents", .number(Double(report.documents))), ("vectors", .number(Double(report.vectors))),
                ("seconds", .number(report.seconds)), ("bytes", .number(Double(report.bytes))),
            ]
            if let peak = report.peakMemoryBytes { pairs.append(("peak_memory_bytes", .number(Double(peak)))) }
            print(String(decoding: JSONWriter.encode(.object(JSONObject(pairs))), as: UTF8.self))
        } else if !quiet {
            let peak = report.peakMemoryBytes.map { String(format: ", peak memory %.0f MB", Double($0) / 1e6) } ?? ""
            printError(String(format: "indexed %d documents (%d vectors) in %.1f s: %@, %.1f MB", report.documents, report.vectors,
                              report.seconds, out, Double(report.bytes) / 1e6) + peak)
        }
    }
}

/// Lets a non-Sendable value travel into a `@Sendable` callback that runs on one thread at a time.
final class UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
