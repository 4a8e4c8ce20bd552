import CTesseraKernels
import TesseraIndex

/// Stage 2 of WARP: implicit decompression. The score of a posting of centroid c for query token q is
/// ⟨q, c⟩ + Σ_dims q[dim] · w[code(dim)], computed straight from the packed codes (the residual is never
/// materialised): the C kernel keeps the 2^b bucket weights in one register and decodes 16 dimensions per permute.
enum WARPDecompression {
    /// Scores the postings `range` of the index for a zero-padded query token `q` (`codec.paddedDimension` floats).
    static func score(index: WARPIndex, weights: UnsafePointer<Float>, q: UnsafePointer<Float>, centroidScore: Float,
                      range: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        let codec = index.codec
        let bytes = codec.codeBytes
        guard !range.isEmpty, let base = index.codes.buffer.baseAddress else { return }
        tw_score_codes(q, codec.paddedDimension, Int32(codec.bits), weights, base + range.lowerBound * bytes,
                       range.count, centroidScore, out)
    }
}
