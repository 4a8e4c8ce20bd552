/// Build and search parameters of an ``HNSWGraph`` (names as in Malkov & Yashunin, arXiv 1603.09320).
public struct HNSWParameters: Sendable, Equatable {
    /// Links per node on the upper levels (`M`); level 0 keeps up to `2·M` (`M_max0`).
    public var m = 16
    /// Size of the dynamic candidate list while inserting (`efConstruction`).
    public var efConstruction = 200
    /// Default size of the dynamic candidate list at query time (`ef`); raised to `k` when smaller.
    ///
    /// 64 is the smallest power of two reaching recall@10 ≥ 0.99 against exact search on SciFact (MiniLM, 384-d)
    /// with the other defaults; see BENCHMARKS.md for the sweep.
    public var efSearch = 64
    /// Seed of the level generator (levels are drawn up front, so the level structure is reproducible).
    public var seed: UInt64 = 42

    /// Makes parameters; `m` ≥ 2, `efConstruction` ≥ 1, `efSearch` ≥ 1.
    public init(m: Int = 16, efConstruction: Int = 200, efSearch: Int = 64, seed: UInt64 = 42) {
        precondition(m >= 2, "HNSW M must be at least 2")
        precondition(efConstruction >= 1 && efSearch >= 1, "HNSW ef values must be positive")
        self.m = m
        self.efConstruction = efConstruction
        self.efSearch = efSearch
        self.seed = seed
    }

    /// `M_max0`: the link capacity of level 0.
    public var maxLinksLevel0: Int { 2 * m }

    /// `m_L = 1 / ln M`, the level-generation normaliser.
    public var levelMultiplier: Double { 1.0 / hnswLog(Double(m)) }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func hnswLog(_ x: Double) -> Double { Glibc.log(x) }
#elseif canImport(Darwin)
import Darwin
@inline(__always) func hnswLog(_ x: Double) -> Double { Darwin.log(x) }
#endif
