/// Build and search parameters of an ``HNSWGraph`` (names as in Malkov & Yashunin, arXiv 1603.09320).
public struct HNSWParameters: Sendable, Equatable {
    /// Links per node on the upper levels (`M`); level 0 keeps up to `2·M` (`M_max0`).
    public var m = 16
    /// Size of the dynamic candidate list while inserting (`efConstruction`).
    public var efConstruction = 200
    /// Default size of the dynamic candidate list at query time (`ef`); raised to `k` when smaller.
    ///
    /// 64 by measurement: on SciFact (MiniLM 384-d, 5,183 documents, 300 test queries) with the other defaults,
    /// recall@10 against exact search is 0.991–0.994 over six builds (seeds, 2 threads) at 64, 0.986–0.990 at 48
    /// (below target on some builds) and ≈ 0.995 at 80. See BENCHMARKS.md for the sweep.
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
