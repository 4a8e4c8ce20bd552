import TesseraKernels

/// A hierarchical navigable small-world graph (Malkov & Yashunin, arXiv 1603.09320) for approximate
/// maximum-inner-product search over L2-normalised vectors (so inner product ranks like cosine and like
/// Euclidean distance).
///
/// The graph holds only links; the vectors stay with their owner (a `dense` index folder's `vectors` array) and
/// are passed to ``build(vectors:count:dimension:parameters:threads:)`` and ``search(_:vectors:k:efSearch:)``.
///
/// Layout (flat arrays, memory-mapped as is when loaded from an index folder):
/// - `hnsw_links0` (int32, `count × (2M + 1)`): row `i` is node `i`'s level-0 list, `[n, id₁ … id_n, unused…]`
///   with `n ≤ 2M` (`M_max0`).
/// - `hnsw_upper_offsets` (int64, `count + 1`): prefix sums of the node levels; node `i` has level
///   `L_i = offsets[i+1] − offsets[i]` and its lists for levels `1 … L_i` are rows `offsets[i] + l − 1` of
/// - `hnsw_upper_links` (int32, `offsets[count] × (M + 1)`): rows `[n, id₁ … id_n, unused…]`, `n ≤ M`.
/// The entry point (a node of the top level) and the top level are recorded in the manifest's
/// `parameters.hnsw`.
///
/// Thread safety: the graph is immutable once built or loaded; any number of threads may search it at once.
/// Each search borrows a scratch object (visited set with a generation counter, two heaps) from a pool, so
/// steady-state queries allocate only their result array.
public final class HNSWGraph: @unchecked Sendable {
    /// The parameters the graph was built with (``HNSWParameters/efSearch`` is the default at query time).
    public let parameters: HNSWParameters
    /// The number of nodes (vectors).
    public let count: Int
    /// The vector dimension.
    public let dimension: Int
    /// The node where every search starts (a node of ``maxLevel``), or -1 for an empty graph.
    public let entryPoint: Int32
    /// The highest level of any node.
    public let maxLevel: Int

    let links0: IndexArray<Int32>
    let upperOffsets: IndexArray<Int64>
    let upperLinks: IndexArray<Int32>
    // Cached base addresses of the arrays above (kept alive by them).
    let links0Base: UnsafePointer<Int32>
    let upperOffsetsBase: UnsafePointer<Int64>
    let upperLinksBase: UnsafePointer<Int32>
    let stride0: Int
    let strideUpper: Int
    let pool: HNSWScratchPool

    init(parameters: HNSWParameters, count: Int, dimension: Int, entryPoint: Int32, maxLevel: Int,
         links0: IndexArray<Int32>, upperOffsets: IndexArray<Int64>, upperLinks: IndexArray<Int32>) {
        self.parameters = parameters
        self.count = count
        self.dimension = dimension
        self.entryPoint = entryPoint
        self.maxLevel = maxLevel
        self.links0 = links0
        self.upperOffsets = upperOffsets
        self.upperLinks = upperLinks
        links0Base = links0.buffer.baseAddress ?? HNSWGraph.emptyInt32
        upperOffsetsBase = upperOffsets.buffer.baseAddress ?? HNSWGraph.emptyInt64
        upperLinksBase = upperLinks.buffer.baseAddress ?? HNSWGraph.emptyInt32
        stride0 = parameters.maxLinksLevel0 + 1
        strideUpper = parameters.m + 1
        pool = HNSWScratchPool(nodeCount: count, maxLinks: parameters.maxLinksLevel0)
    }

    nonisolated(unsafe) private static let emptyInt32: UnsafePointer<Int32> = {
        let p = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        p.initialize(to: 0)
        return UnsafePointer(p)
    }()
    nonisolated(unsafe) private static let emptyInt64: UnsafePointer<Int64> = {
        let p = UnsafeMutablePointer<Int64>.allocate(capacity: 1)
        p.initialize(to: 0)
        return UnsafePointer(p)
    }()

    /// The level of `node` (0 for most nodes).
    public func level(of node: Int) -> Int {
        Int(upperOffsetsBase[node + 1] - upperOffsetsBase[node])
    }

    /// The neighbours of `node` on `level` (which must be ≤ ``level(of:)``).
    public func neighbours(of node: Int, level: Int) -> [Int32] {
        let row = linkRow(node, level)
        return (0..<Int(row[0])).map { row[1 + $0] }
    }

    /// The stored row `[n, ids…]` of `node` at `level`.
    @inline(__always) func linkRow(_ node: Int, _ level: Int) -> UnsafePointer<Int32> {
        if level == 0 { return links0Base + node * stride0 }
        return upperLinksBase + (Int(upperOffsetsBase[node]) + level - 1) * strideUpper
    }

    /// The `k` stored vectors with the largest inner product with `query`, best first (ties by smaller id), found
    /// by HNSW search with a candidate list of `max(efSearch ?? parameters.efSearch, k)`.
    ///
    /// - Parameters:
    ///   - query: `dimension` floats (L2-normalised for cosine ranking).
    ///   - vectors: the `count × dimension` vectors the graph was built over.
    public func search(_ query: UnsafePointer<Float>, vectors: UnsafePointer<Float>, k: Int,
                       efSearch: Int? = nil) -> [(id: Int32, score: Float)] {
        guard count > 0, k > 0, entryPoint >= 0 else { return [] }
        let ef = max(efSearch ?? parameters.efSearch, k)
        let scratch = pool.take(ef: ef)
        defer { pool.give(scratch) }
        let dim = dimension

        // Greedy descent through the upper levels (ef = 1).
        var current = entryPoint
        var currentScore = VectorKernels.dot(query, vectors + Int(current) * dim, count: dim)
        var level = maxLevel
        while level > 0 {
            var changed = true
            while changed {
                changed = false
                let row = linkRow(Int(current), level)
                let n = Int(row[0])
                var i = 1
                while i <= n {
                    let candidate = row[i]
                    let s = VectorKernels.dot(query, vectors + Int(candidate) * dim, count: dim)
                    if s > currentScore {
                        currentScore = s
                        current = candidate
                        changed = true
                    }
                    i += 1
                }
            }
            level -= 1
        }

        // Best-first search on level 0 with a candidate list of size ef.
        let tag = scratch.beginSearch(entry: current, score: currentScore)
        let visited = scratch.visited
        var candidates = scratch.candidates
        var results = scratch.results
        let links = links0Base
        let stride = stride0
        let pending = scratch.neighbours
        while candidates.count > 0 {
            let best = candidates.top
            if -best.score < results.top.score && results.count >= ef { break }
            candidates.pop()
            // First the unvisited neighbours (a tight loop over the visited set), then their inner products
            // back to back, so the vector loads of consecutive products overlap.
            let row = links + Int(best.id) * stride
            let n = Int(row[0])
            var fresh = 0
            var i = 1
            while i <= n {
                let neighbour = row[i]
                i += 1
                if visited[Int(neighbour)] != tag {
                    visited[Int(neighbour)] = tag
                    pending[fresh] = neighbour
                    fresh += 1
                }
            }
            let scores = scratch.scores
            VectorKernels.dotGather(query, base: vectors, dimension: dim, ids: pending, count: fresh, into: scores)
            i = 0
            while i < fresh {
                let neighbour = pending[i]
                let s = scores[i]
                i += 1
                offerToBeam(s, neighbour, ef: ef, results: &results, candidates: &candidates)
            }
        }

        // The heap holds the ef best; keep the k best, best first.
        while results.count > k { results.pop() }
        var out = [(id: Int32, score: Float)](repeating: (0, 0), count: results.count)
        var j = results.count - 1
        while results.count > 0 {
            let e = results.pop()
            out[j] = (e.id, e.score)
            j -= 1
        }
        // Equal scores: order by id so results do not depend on heap history.
        if out.count > 1 {
            var sortedByTies = false
            for t in 1..<out.count where out[t].score == out[t - 1].score { sortedByTies = true; break }
            if sortedByTies {
                out.sort { $0.score > $1.score || ($0.score == $1.score && $0.id < $1.id) }
            }
        }
        scratch.candidates = candidates
        scratch.results = results
        return out
    }
}
