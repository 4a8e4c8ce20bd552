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
    /// Position in `best` of the centroid that set m_i.
    var missingIndex = 0

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
                missingIndex = keep - 1
                for j in 0..<keep {
                    cumulative += Int(sizes[Int(i[j])])
                    if cumulative >= tPrime { missing = v[j]; missingIndex = j; break }
                }
            }
        }
        probeCount = min(nProbe, keep)
    }

    /// Recomputes the probed centroids' scores and m_i in fp32 (the screening GEMM may round the query to
    /// bfloat16), so decoded scores do not depend on the CPU's bfloat16 support.
    mutating func rescore(query: UnsafePointer<Float>, centroids: UnsafePointer<UInt16>, dimension d: Int) {
        for j in 0..<probeCount {
            bestScores[j] = tw_dot_bf16_row(query, centroids + Int(best[j]) * d, d)
        }
        missing = missingIndex < probeCount ? bestScores[missingIndex]
            : tw_dot_bf16_row(query, centroids + Int(best[missingIndex]) * d, d)
    }
}
