import ArgumentParser
import Foundation
import TesseraIndex
import TesseraModels
import TesseraSearch

/// Search settings shared by `search`, `beir` and `adapt`.
struct SearchArguments: ParsableArguments {
    @Option(name: .long, help: "Documents returned per query.")
    var topK: Int = 100
    @Option(name: .long, help: "xtr-exact: tokens retrieved per query token (k'; default 1000).")
    var kPrime: Int?
    @Option(name: .long, help: "aligner, aligner-exact: k<N> (top-k, e.g. k1, k4) or p<percent> (top-p, e.g. p1.5); default k1.")
    var alignment: String?
    @Option(name: .long, help: "aligner-exact (and aligner in `beir`, which builds the index): fraction β of each document's tokens kept by salience (1 = no pruning).")
    var prune: Double?
    @Option(name: .long, help: "aligner (WARP): fraction β_q of the query's tokens kept, the most salient first (1 = all).")
    var queryPrune: Double?
    @Option(name: .long, help: "Multi-vector modes: query token budget (default 64).")
    var queryMaxLength: Int?
    @Option(name: .long, help: "dense, dense-exact: Matryoshka dimension.")
    var dim: Int?
    @Option(name: .long, help: "Threads used by one query.")
    var threads: Int = 1
    @Option(name: .long, help: "bm25: k1 (default: the index's, 1.5).")
    var k1: Double?
    @Option(name: .long, help: "bm25: b (default: the index's, 0.75).")
    var b: Double?
    @Option(name: .long, help: "xtr, aligner (WARP): centroids probed per query token (default 16; an index pruned to β probes 16/β, at most 128).")
    var nProbe: Int?
    @Option(name: .long, help: "xtr, aligner (WARP): cumulative cluster-size threshold t' for the missing-similarity estimate (default 10,000; 20,000 from 10M tokens; 5,000 for a pruned index).")
    var tPrime: Int?
    @Option(name: .long, help: "dense (HNSW): candidate list size at search (default: the index's).")
    var efSearch: Int?
    @OptionGroup var hybridArguments: HybridArguments

    /// The values in force (a flag's default when it was not given).
    var kPrimeValue: Int { kPrime ?? 1000 }
    var alignmentValue: Alignment { alignment.flatMap(Alignment.init) ?? .topK(1) }
    var alignmentText: String { alignment ?? "k1" }
    var pruneValue: Double { prune ?? 1 }
    var queryPruneValue: Double { queryPrune ?? 1 }
    var hybrid: String? { hybridArguments.hybrid }
    var fusion: FusionArgument? { hybridArguments.fusion }
    var weight: Double? { hybridArguments.weight }
    var hybridValue: String { hybridArguments.hybridValue }

    func validate() throws {
        if topK < 1 { throw ValidationError("--top-k must be at least 1") }
        if let kPrime, kPrime < 1 { throw ValidationError("--k-prime must be at least 1") }
        if let alignment, Alignment(alignment) == nil { throw ValidationError("--alignment must look like k1, k4, p1.5") }
        if let prune, !(prune > 0 && prune <= 1) { throw ValidationError("--prune must be in (0, 1]") }
        if let queryPrune, !(queryPrune > 0 && queryPrune <= 1) { throw ValidationError("--query-prune must be in (0, 1]") }
        if threads < 1 { throw ValidationError("--threads must be at least 1") }
        if let nProbe, nProbe < 1 { throw ValidationError("--n-probe must be at least 1") }
        if let tPrime, tPrime < 1 { throw ValidationError("--t-prime must be at least 1") }
        if let efSearch, efSearch < 1 { throw ValidationError("--ef-search must be at least 1") }
    }

    func hybridModes() throws -> (SearchMode, SearchMode) { try hybridArguments.modes() }

    /// Refuses a flag that `mode` would ignore (for a hybrid: that neither of its modes uses). `buildsIndexes`: the
    /// command builds the index it searches (`beir`), so `--prune` also applies to `aligner`, whose WARP index is pruned
    /// when it is built.
    func check(mode: SearchMode, buildsIndexes: Bool) throws {
        let modes: Set<SearchMode> = mode == .hybrid ? [.hybrid, try hybridModes().0, try hybridModes().1] : [mode]
        let pruned: Set<SearchMode> = buildsIndexes ? [.alignerExact, .aligner] : [.alignerExact]
        let specific: [(flag: String, given: Bool, modes: Set<SearchMode>)] = [
            ("--k-prime", kPrime != nil, [.xtrExact]),
            ("--alignment", alignment != nil, [.aligner, .alignerExact]),
            ("--prune", prune != nil, pruned),
            ("--query-prune", queryPrune != nil, [.aligner]),
            ("--query-max-length", queryMaxLength != nil, [.colbert, .xtr, .xtrExact, .aligner, .alignerExact]),
            ("--dim", dim != nil, [.dense, .denseExact]),
            ("--k1", k1 != nil, [.bm25]),
            ("--b", b != nil, [.bm25]),
            ("--n-probe", nProbe != nil, [.xtr, .aligner]),
            ("--t-prime", tPrime != nil, [.xtr, .aligner]),
            ("--ef-search", efSearch != nil, [.dense]),
            ("--hybrid", hybrid != nil, [.hybrid]),
            ("--fusion", fusion != nil, [.hybrid]),
            ("--weight", weight != nil, [.hybrid]),
        ]
        for flag in specific where flag.given && modes.isDisjoint(with: flag.modes) {
            let named = mode == .hybrid ? "--mode hybrid (\(hybridValue))" : "--mode \(mode.rawValue)"
            var message = "\(flag.flag) does not apply to \(named): it is for \(flag.modes.map(\.rawValue).sorted().joined(separator: ", "))"
            if flag.flag == "--prune" && modes.contains(.aligner) { message += " (a WARP index is pruned when it is built: tessera index --prune)" }
            throw ValidationError(message)
        }
    }

    var options: SearchOptions {
        var o = SearchOptions()
        o.topK = topK
        o.beta = pruneValue
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
        p.kPrime = kPrimeValue
        p.alignment = alignmentValue
        p.threads = threads
        p.efSearch = efSearch
        p.nProbe = nProbe
        p.tPrime = tPrime
        p.queryPrune = queryPruneValue
        p.fusion = hybridArguments.fusionValue
        return p
    }
}

/// Opens the searcher for `mode` over `indexes` (two for a hybrid) with the command's search settings
/// (``Searchers/open(mode:indexes:model:options:models:)``).
func openSearcher(mode: SearchMode, indexes: [String], model: String?, arguments: SearchArguments, models: ModelCache = ModelCache()) throws -> any Searcher {
    if mode == .hybrid && indexes.count != 2 { throw ValidationError("--mode hybrid needs two --index folders (for \(arguments.hybridValue))") }
    if mode != .hybrid && indexes.count != 1 { throw ValidationError("--mode \(mode.rawValue) takes exactly one --index") }
    return try Searchers.open(mode: mode, indexes: indexes, model: model, options: arguments.options, models: models)
}

/// How a hybrid fuses two modes: shared by `search`, `beir`, `adapt` and the collection commands.
struct HybridArguments: ParsableArguments {
    @Option(name: .long, help: "hybrid: the two modes fused, e.g. xtr,bm25 (indexes given in the same order; default xtr,bm25).")
    var hybrid: String?
    @Option(name: .long, help: "hybrid: rrf (reciprocal rank, k = 60) or score (min-max normalised scores); default rrf.")
    var fusion: FusionArgument?
    @Option(name: .long, help: "hybrid with --fusion score: weight of the first mode (the second gets 1 - w; default 0.5).")
    var weight: Double?

    var hybridValue: String { hybrid ?? "xtr,bm25" }

    /// The fusion in force.
    var fusionValue: Fusion {
        let w = weight ?? 0.5
        return fusion == .score ? .normalizedScore(weights: [w, 1 - w]) : .reciprocalRank(k: 60)
    }

    func validate() throws {
        if let weight, !(weight >= 0 && weight <= 1) { throw ValidationError("--weight must be in [0, 1]") }
        if weight != nil && fusion != .score { throw ValidationError("--weight applies to --fusion score") }
        _ = try modes()
    }

    /// The two modes of `--hybrid`.
    func modes() throws -> (SearchMode, SearchMode) {
        let parts = hybridValue.split(separator: ",").map { SearchMode(rawValue: String($0)) }
        guard parts.count == 2, let a = parts[0], let b = parts[1], a != .hybrid, b != .hybrid else {
            throw ValidationError("--hybrid must name two modes, e.g. xtr,bm25")
        }
        return (a, b)
    }

    /// Refuses hybrid flags given with another mode.
    func check(mode: SearchMode) throws {
        guard mode != .hybrid else { return }
        for (flag, given) in [("--hybrid", hybrid != nil), ("--fusion", fusion != nil), ("--weight", weight != nil)] where given {
            throw ValidationError("\(flag) does not apply to --mode \(mode.rawValue): it is for hybrid")
        }
    }
}
