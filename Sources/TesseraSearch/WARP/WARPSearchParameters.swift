/// Search settings of the WARP engine (PAPERS.md §4).
public struct WARPSearchParameters: Sendable {
    /// Centroids probed per query token (n_probe).
    public var nProbe: Int = 16
    /// t': the cumulative cluster size that sets the missing-similarity estimate m_i (the score of the centroid at
    /// which the sizes of the best centroids, best first, add up to t'); nil: chosen from the index size
    /// (see ``WARPSearchParameters/defaultTPrime(tokens:)``).
    public var tPrime: Int? = nil
    /// Centroids sorted per query token to find m_i (at least n_probe).
    public var bound: Int = 128
    /// AligneR: alignment of each query token to its candidate document tokens.
    public var alignment: Alignment = .topK(1)
    /// Threads one query may use (query tokens are split between them).
    public var threads: Int = 1
    /// Query token budget (nil: 64, or the model's positions if fewer).
    public var queryMaxLength: Int? = nil
    /// Defaults.
    public init() {}

    /// The default t' for an index of `tokens` vectors.
    public static func defaultTPrime(tokens: Int) -> Int { tokens < 10_000_000 ? 10_000 : 20_000 }
}
