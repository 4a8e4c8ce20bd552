/// Search settings of the WARP engine (PAPERS.md §4).
public struct WARPSearchParameters: Sendable {
    /// Centroids probed per query token (n_probe); nil: ``defaultNProbe(prune:)`` for the index.
    public var nProbe: Int? = nil
    /// t': the cumulative cluster size that sets the missing-similarity estimate m_i (the score of the centroid at
    /// which the sizes of the best centroids, best first, add up to t'); nil: chosen from the index size
    /// (see ``WARPSearchParameters/defaultTPrime(tokens:)``).
    public var tPrime: Int? = nil
    /// Centroids sorted per query token to find m_i (at least n_probe).
    public var bound: Int = 128
    /// AligneR: alignment of each query token to its candidate document tokens.
    public var alignment: Alignment = .topK(1)
    /// AligneR: fraction β_q of the query's tokens that take part, the most salient first (at least one; 1 keeps all).
    public var queryPrune: Double = 1
    /// Threads one query may use (query tokens are split between them).
    public var threads: Int = 1
    /// Query token budget (nil: 64, or the model's positions if fewer).
    public var queryMaxLength: Int? = nil
    /// Defaults.
    public init() {}

    /// The default n_probe for an index pruned to the top `prune` (β) of each document's tokens: 16 for an
    /// unpruned index (SciFact: nDCG@10 within 0.001 of exact XTR); 16/β rounded up to a power of two, at most
    /// 128, for a pruned one, whose clusters hold fewer of each document's tokens, so a query token must probe
    /// more of them (SciFact β 0.2: 128 probes give nDCG@10 0.585 against 0.590 exact, 16 give 0.543;
    /// BENCHMARKS.md §5).
    public static func defaultNProbe(prune: Double) -> Int {
        guard prune < 1 else { return 16 }
        var n = 16
        while Double(n) * max(prune, 1e-3) < 16 && n < 128 { n *= 2 }
        return n
    }

    /// The default t' for an index of `tokens` (kept) vectors built with pruning β = `prune` (5,000 for a pruned
    /// index: SciFact β 0.2, 0.585 vs 0.582 at 10,000).
    public static func defaultTPrime(tokens: Int, prune: Double = 1) -> Int {
        prune >= 1 ? (tokens < 10_000_000 ? 10_000 : 20_000) : 5_000
    }
}
