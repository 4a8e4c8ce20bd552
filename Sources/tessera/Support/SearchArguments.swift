import ArgumentParser
import Foundation
import TesseraIndex
import TesseraModels
import TesseraSearch

/// Search settings shared by `search`, `beir` and `adapt`.
struct SearchArguments: ParsableArguments {
    @Option(name: .long, help: "Documents returned per query.")
    var topK: Int = 100
    @Option(name: .long, help: "XTR: tokens retrieved per query token (k').")
    var kPrime: Int = 1000
    @Option(name: .long, help: "AligneR alignment: k<N> (top-k, e.g. k1, k4) or p<percent> (top-p, e.g. p1.5).")
    var alignment: String = "k1"
    @Option(name: .long, help: "AligneR: fraction β of each document's tokens kept by salience (1 = no pruning).")
    var prune: Double = 1
    @Option(name: .long, help: "AligneR with WARP (--mode aligner): fraction β_q of the query's tokens kept, the most salient first (1 = all).")
    var queryPrune: Double = 1
    @Option(name: .long, help: "Query token budget for multi-vector modes (default 64).")
    var queryMaxLength: Int?
    @Option(name: .long, help: "Matryoshka dimension for dense search.")
    var dim: Int?
    @Option(name: .long, help: "Threads used by one query.")
    var threads: Int = 1
    @Option(name: .long, help: "BM25 k1 (default: the index's, 1.5).")
    var k1: Double?
    @Option(name: .long, help: "BM25 b (default: the index's, 0.75).")
    var b: Double?
    @Option(name: .long, help: "WARP (xtr, aligner): centroids probed per query token (default 16; an index pruned to β probes 16/β, at most 128).")
    var nProbe: Int?
    @Option(name: .long, help: "WARP (xtr, aligner): cumulative cluster-size threshold t' for the missing-similarity estimate (default 10,000; 20,000 from 10M tokens; 5,000 for a pruned index).")
    var tPrime: Int?
    @Option(name: .long, help: "HNSW (dense): candidate list size at search (default: the index's).")
    var efSearch: Int?
    @Option(name: .long, help: "Hybrid: the two modes fused, e.g. xtr,bm25 (indexes given in the same order).")
    var hybrid: String = "xtr,bm25"
    @Option(name: .long, help: "Hybrid fusion: rrf (reciprocal rank, k = 60) or score (min-max normalised scores).")
    var fusion: String = "rrf"
    @Option(name: .long, help: "Hybrid score fusion: weight of the first mode (the second gets 1 - w).")
    var weight: Double = 0.5

    func validate() throws {
        if topK < 1 { throw ValidationError("--top-k must be at least 1") }
        if kPrime < 1 { throw ValidationError("--k-prime must be at least 1") }
        if Alignment(alignment) == nil { throw ValidationError("--alignment must look like k1, k4, p1.5") }
        if !(prune > 0 && prune <= 1) { throw ValidationError("--prune must be in (0, 1]") }
        if !(queryPrune > 0 && queryPrune <= 1) { throw ValidationError("--query-prune must be in (0, 1]") }
        if threads < 1 { throw ValidationError("--threads must be at least 1") }
        if let nProbe, nProbe < 1 { throw ValidationError("--n-probe must be at least 1") }
        if let tPrime, tPrime < 1 { throw ValidationError("--t-prime must be at least 1") }
        if let efSearch, efSearch < 1 { throw ValidationError("--ef-search must be at least 1") }
        if !["rrf", "score"].contains(fusion) { throw ValidationError("--fusion must be rrf or score") }
        _ = try hybridModes()
    }

    func hybridModes() throws -> (SearchMode, SearchMode) {
        let parts = hybrid.split(separator: ",").map { SearchMode(rawValue: String($0)) }
        guard parts.count == 2, let a = parts[0], let b = parts[1], a != .hybrid, b != .hybrid else {
            throw ValidationError("--hybrid must name two modes, e.g. xtr,bm25")
        }
        return (a, b)
    }

    var options: SearchOptions {
        var o = SearchOptions()
        o.topK = topK
        o.beta = prune
        o.queryMaxLength = queryMaxLength
        o.dimension = dim
        if k1 != nil || b != nil { o.bm25 = BM25Parameters(k1: k1 ?? 1.5, b: b ?? 0.75) }
        o.parameters = parameters
        if let modes = try? hybridModes() { o.hybrid = modes }
        return o
    }

    /// The per-query settings.
    var parameters: SearchParameters {
        var p = SearchParameters()
        p.kPrime = kPrime
        p.alignment = Alignment(alignment) ?? .topK(1)
        p.threads = threads
        p.efSearch = efSearch
        p.nProbe = nProbe
        p.tPrime = tPrime
        p.queryPrune = queryPrune
        p.fusion = fusion == "rrf" ? .reciprocalRank(k: 60) : .normalizedScore(weights: [weight, 1 - weight])
        return p
    }
}

/// Opens the searcher for `mode` over `indexes` (two for a hybrid) with the command's search settings
/// (``Searchers/open(mode:indexes:model:options:models:)``).
func openSearcher(mode: SearchMode, indexes: [String], model: String?, arguments: SearchArguments, models: ModelCache = ModelCache()) throws -> any Searcher {
    if mode == .hybrid && indexes.count != 2 { throw ValidationError("--mode hybrid needs two --index folders (for \(arguments.hybrid))") }
    if mode != .hybrid && indexes.count != 1 { throw ValidationError("--mode \(mode.rawValue) takes exactly one --index") }
    return try Searchers.open(mode: mode, indexes: indexes, model: model, options: arguments.options, models: models)
}
