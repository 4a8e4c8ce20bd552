import ArgumentParser
import Foundation
import TesseraKernels
import TesseraEval
import TesseraIO
import TesseraIndex
import TesseraIngest
import TesseraModels
import TesseraSearch

/// Index-building settings that change what an index holds (part of the cache key of `beir`).
struct IndexArguments: ParsableArguments {
    @Option(name: .long, help: "Document token budget (default: the model's, 256 for MiniLM).")
    var docMaxLength: Int?
    @Flag(name: .long, help: "Token index: do not index [CLS] and [SEP] (queries are filtered the same way).")
    var skipSpecial = false
    @Flag(name: .long, help: "Token index: do not index punctuation pieces (queries are filtered the same way).")
    var skipPunctuation = false
    @Option(name: .long, help: "Where built indexes are kept (default: <cache>/indexes).")
    var indexDir: String?
    @Flag(name: .long, help: "Rebuild the index even if a matching one exists.")
    var rebuild = false
    @Option(name: .long, help: "Encoder threads for building.")
    var buildThreads: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(name: .long, help: "Compressed token index: residual bits per dimension, 2 or 4.")
    var bits: Int = 4
    @Option(name: .long, help: "Compressed token index: k-means centroids (default 2^floor(log2(16·sqrt(tokens)))).")
    var centroids: Int?

    func validate() throws {
        if bits != 2 && bits != 4 { throw ValidationError("--bits must be 2 or 4") }
        if let centroids, centroids < 1 { throw ValidationError("--centroids must be at least 1") }
    }
}

/// `tessera beir`: build (or reuse) an index for a BEIR dataset, search its queries and evaluate.
struct BEIRCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "beir",
        abstract: "Evaluate a retrieval mode on a BEIR dataset: build or reuse the index, search, score with trec_eval rules.",
        discussion: "Latency is measured per query, single query at a time: encode_ms is the query encoder, latency_ms the search."
    )

    @Option(name: .long, help: "BEIR dataset folder (corpus.jsonl, queries.jsonl, qrels/<split>.tsv).")
    var data: String
    @Option(name: .long, help: "Model folder or cached model name (not needed for bm25).")
    var model: String?
    @Option(name: .long, help: "Retrieval mode.")
    var mode: SearchMode
    @Option(name: .long, help: "Qrels split.")
    var split: String = "test"
    @Flag(name: .long, help: "Print one JSON object.")
    var json = false
    @Option(name: [.customLong("out"), .customLong("run")], help: "Also write the run to this TREC file (--run is the old name).")
    var runOutput: String?
    @Flag(name: .long, help: "xtr-exact: also report XTR's token retrieval analysis at --k-prime (share of relevant documents owning a retrieved token, share of retrieved tokens from relevant documents, share of query tokens that retrieved one).")
    var tokenRecall = false
    @OptionGroup var indexing: IndexArguments
    @OptionGroup var search: SearchArguments

    func validate() throws {
        try search.check(mode: mode, buildsIndexes: true)
        let modes = mode == .hybrid ? try [search.hybridModes().0, search.hybridModes().1] : [mode]
        if modes.contains(where: { $0 != .bm25 }) && model == nil { throw ValidationError("--model is required for --mode \(mode.rawValue)") }
        if tokenRecall && mode != .xtrExact { throw ValidationError("--token-recall needs --mode xtr-exact") }
    }

    func run() throws {
        let searchMode = mode
        let dataset = try BEIRDataset.load(folder: data, split: split)
        for warning in dataset.warnings { printError("tessera: warning: \(warning)") }
        let parts = searchMode == .hybrid ? [try search.hybridModes().0, try search.hybridModes().1] : [searchMode]
        var indexes: [String] = []
        var buildSeconds = 0.0
        var indexBytes = 0
        for part in parts {
            let (path, seconds) = try ensureIndex(kind: part.indexKind ?? .dense, data: data, model: model, indexing: indexing,
                                                  prune: part == .aligner ? search.pruneValue : 1, quiet: json)
            indexes.append(path)
            buildSeconds += seconds
            indexBytes += IndexBuilder.folderBytes(path)
        }
        let searcher = try openSearcher(mode: searchMode, indexes: indexes, model: model, arguments: search)
        let ids = dataset.judgedQueryIDs
        var rankings: Run = [:]
        var encodeMs: [Double] = []
        var searchMs: [Double] = []
        let documentIDs = searcher.documentIDs
        var rows: [String: Int32] = [:]
        if tokenRecall { for i in 0..<documentIDs.count { rows[documentIDs[i]] = Int32(i) } }
        var recalls: [TokenRetrievalRecall] = []
        for id in ids {
            let text = dataset.queries.text(of: id) ?? ""
            let t0 = DispatchTime.now().uptimeNanoseconds
            let prepared = try searcher.prepare(text)
            if tokenRecall, let tokens = searcher as? TokenSearcher {
                let relevant = Set((dataset.qrels[id] ?? [:]).filter { $0.value > 0 }.compactMap { rows[$0.key] })
                recalls.append(try tokens.tokenRetrievalRecall(prepared, relevant: relevant))
            }
            let t1 = DispatchTime.now().uptimeNanoseconds
            let hits = try searcher.search(prepared, topK: search.topK)
            let t2 = DispatchTime.now().uptimeNanoseconds
            encodeMs.append(Double(t1 - t0) / 1e6)
            searchMs.append(Double(t2 - t1) / 1e6)
            rankings[id] = hits.map { (docID: documentIDs[Int($0.document)], score: Double($0.score)) }
        }
        if let runOutput { try TRECRun(rankings: rankings, queryIDs: ids, tag: "tessera-\(mode.rawValue)").write(to: runOutput) }
        let evaluation = Evaluator(qrels: dataset.qrels).evaluate(rankings, metrics: Metric.standard)
        let name = URL(fileURLWithPath: data).standardizedFileURL.lastPathComponent
        var report = BEIRReport(dataset: name, mode: mode.rawValue, evaluation: evaluation, encodeMs: encodeMs, searchMs: searchMs,
                                indexBytes: indexBytes, buildSeconds: buildSeconds, settings: settingsDescription(searchMode))
        if !recalls.isEmpty {
            func mean(_ f: (TokenRetrievalRecall) -> Double) -> Double { recalls.reduce(0) { $0 + f($1) } / Double(recalls.count) }
            report.tokenRecall = TokenRetrievalRecall(documentRecall: mean(\.documentRecall), goldTokenShare: mean(\.goldTokenShare),
                                                      queryTokenHitRate: mean(\.queryTokenHitRate))
        }
        print(json ? report.json() : report.table())
    }

    func settingsDescription(_ mode: SearchMode) -> String {
        var parts = ["top-k \(search.topK)"]
        if let dim = search.dim { parts.append("dim \(dim)") }
        if let length = indexing.docMaxLength { parts.append("doc max length \(length)") }
        if indexing.skipSpecial { parts.append("no [CLS]/[SEP]") }
        if indexing.skipPunctuation { parts.append("no punctuation") }
        switch mode {
        case .xtrExact: parts.append("k' \(search.kPrimeValue)")
        case .alignerExact: parts += ["alignment \(search.alignmentText)", "prune \(search.pruneValue)"]
        case .xtr, .aligner:
            let prune = mode == .aligner ? search.pruneValue : 1
            let nProbe = search.nProbe ?? WARPSearchParameters.defaultNProbe(prune: prune)
            let tPrime = search.tPrime.map(String.init) ?? (prune < 1 ? String(WARPSearchParameters.defaultTPrime(tokens: 0, prune: prune))
                : "default (10000, 20000 from 10M tokens)")
            if mode == .aligner { parts += ["alignment \(search.alignmentText)", "prune \(search.pruneValue)"] + (search.queryPruneValue < 1 ? ["query prune \(search.queryPruneValue)"] : []) }
            parts += ["n_probe \(nProbe)", "t' \(tPrime)", "bits \(indexing.bits)"]
        case .dense: if let ef = search.efSearch { parts.append("efSearch \(ef)") }
        case .hybrid: parts += ["\(search.hybridValue)", "fusion \((search.fusion ?? .rrf).rawValue)" + (search.fusion == .score ? " w \(search.weight ?? 0.5)" : ""), "k' \(search.kPrimeValue)"]
        default: break
        }
        if [.xtr, .xtrExact, .colbert, .aligner, .alignerExact, .hybrid].contains(mode) { parts.append("query max length \(search.queryMaxLength ?? 64)") }
        return parts.joined(separator: ", ")
    }
}

/// The figures `tessera beir` prints.
struct BEIRReport {
    var dataset: String
    var mode: String
    var evaluation: Evaluation
    var encodeMs: [Double]
    var searchMs: [Double]
    var indexBytes: Int
    var buildSeconds: Double
    var settings: String
    /// XTR's token retrieval analysis, when asked for.
    var tokenRecall: TokenRetrievalRecall? = nil

    func value(_ metric: Metric) -> Double { evaluation.mean(metric) ?? 0 }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let rank = p / 100 * Double(sorted.count - 1)
        let lo = Int(rank.rounded(.down)), hi = Int(rank.rounded(.up))
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - Double(lo))
    }

    static func mean(_ values: [Double]) -> Double { values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }

    func json() -> String {
        func object(_ pairs: [(String, JSONValue)]) -> JSONValue { .object(JSONObject(pairs)) }
        var pairs: [(String, JSONValue)] = [
            ("dataset", .string(dataset)), ("mode", .string(mode)), ("queries", .number(Double(evaluation.queryCount))),
            ("ndcg@10", .number(value(.ndcg(10)))), ("recall@100", .number(value(.recall(100)))), ("mrr@10", .number(value(.mrr(10)))),
            ("map@100", .number(value(.map(100)))), ("p@10", .number(value(.precision(10)))),
            ("latency_ms", object([("mean", .number(Self.mean(searchMs))), ("p50", .number(Self.percentile(searchMs, 50))),
                                   ("p95", .number(Self.percentile(searchMs, 95)))])),
            ("encode_ms", object([("mean", .number(Self.mean(encodeMs)))])), ("index_bytes", .number(Double(indexBytes))),
            ("build_seconds", .number(buildSeconds)), ("settings", .string(settings)), ("kernel_level", .string(KernelDispatch.current.active.name)),
        ]
        if let tokenRecall {
            pairs.append(("token_retrieval", object([("document_recall", .number(tokenRecall.documentRecall)),
                                                     ("gold_token_share", .number(tokenRecall.goldTokenShare)),
                                                     ("query_token_hit_rate", .number(tokenRecall.queryTokenHitRate))])))
        }
        return String(decoding: JSONWriter.encode(object(pairs)), as: UTF8.self)
    }

    func table() -> String {
        [
            "dataset \(dataset), mode \(mode) (\(settings)), \(evaluation.queryCount) queries",
            String(format: "nDCG@10 %.4f  Recall@100 %.4f  MRR@10 %.4f  MAP@100 %.4f  P@10 %.4f",
                   value(.ndcg(10)), value(.recall(100)), value(.mrr(10)), value(.map(100)), value(.precision(10))),
            String(format: "search latency ms: mean %.2f  p50 %.2f  p95 %.2f; query encoding mean %.2f ms",
                   Self.mean(searchMs), Self.percentile(searchMs, 50), Self.percentile(searchMs, 95), Self.mean(encodeMs)),
            String(format: "index %.1f MB, built in %.1f s", Double(indexBytes) / 1e6, buildSeconds)
                + "; kernels \(KernelDispatch.current.active.name)",
        ].joined(separator: "\n") + (tokenRecall.map {
            String(format: "\ntoken retrieval: relevant documents owning a retrieved token %.4f, retrieved tokens from relevant documents %.4f, query tokens retrieving one %.4f",
                   $0.documentRecall, $0.goldTokenShare, $0.queryTokenHitRate)
        } ?? "")
    }
}
