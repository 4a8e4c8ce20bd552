import CTesseraKernels
import TesseraIndex
import TesseraKernels

/// Stage 1 of WARP: score every centroid against every query token with one GEMM (in ``WARPEngine``), keep the
/// n_probe best per query token, and derive the missing-similarity estimate m_i from the cumulative cluster-size
/// threshold t': m_i is the score of the centroid at which the sizes of the best centroids, best first, reach t'.
struct WARPCentroidSelection {
    /// The `bound` best centroids of one query token, best first (the first n_probe are probed).
    var best: [Int32] = []
    /// Their scores ⟨q_i, c⟩.
    var bestScores: [Float] = []
    /// How many of `best` are probed.
    var probeCount = 0
    /// m_i.
    var missing: Float = 0

    /// Selects for query token `row` (K centroid scores) with the vectorised threshold scan of `tw_select_top`.
    mutating func select(row: UnsafePointer<Float>, centroids k: Int, nProbe: Int, bound: Int, tPrime: Int,
                         sizes: UnsafePointer<Int32>) {
        let keep = min(k, max(nProbe, bound))
        if best.count < keep {
            best = [Int32](repeating: 0, count: keep)
            bestScores = [Float](repeating: 0, count: keep)
        }
        best.withUnsafeMutableBufferPointer { i in
            bestScores.withUnsafeMutableBufferPointer { v in
                tw_select_top(row, k, keep, i.baseAddress!, v.baseAddress!)
                var cumulative = 0
                missing = v[keep - 1]
                for j in 0..<keep {
                    cumulative += Int(sizes[Int(i[j])])
                    if cumulative >= tPrime { missing = v[j]; break }
                }
            }
        }
        probeCount = min(nProbe, keep)
    }
}
