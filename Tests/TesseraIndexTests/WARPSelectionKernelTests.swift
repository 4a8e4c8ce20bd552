import CTesseraKernels
import Foundation
import TesseraKernels
import Testing
@testable import TesseraIndex

/// The stage-1 kernels of the WARP engine: bfloat16 centroid scoring and top-n selection.
@Suite struct WARPSelectionKernelTests {
    static func uniform(_ rng: inout SplitMix64) -> Float { Float(rng.next() >> 40) / Float(1 << 24) * 2 - 1 }

    @Test func bfloat16RoundsToNearestEven() {
        #expect(tw_float_to_bf16(1) == 0x3F80)
        #expect(tw_bf16_to_float(tw_float_to_bf16(-2.5)) == -2.5)
        // 1 + 2⁻⁸ lies halfway between 1 and 1 + 2⁻⁷: ties go to the even mantissa (1).
        #expect(tw_float_to_bf16(1 + 1.0 / 256) == 0x3F80)
        #expect(tw_float_to_bf16(1 + 3.0 / 256) == 0x3F82)
        #expect(tw_bf16_to_float(tw_float_to_bf16(.nan)).isNaN)
        #expect(tw_bf16_to_float(tw_float_to_bf16(.infinity)) == .infinity)
    }

    /// Every (rows, centroids, dimension) shape, including partial panels and odd dimensions: each score is within
    /// the bfloat16 bound of the fp32 dot product with the stored centroid, and the exact row dot agrees to fp32.
    @Test(arguments: [(1, 32, 8), (5, 33, 7), (12, 64, 384), (13, 100, 48), (25, 1000, 384), (40, 70, 31)])
    func centroidScoresMatchFloatDotProducts(shape: (Int, Int, Int)) {
        let (n, k, d) = shape
        var rng = SplitMix64(seed: UInt64(n * 1000 + k + d))
        let centroids = (0..<(k * d)).map { _ in tw_float_to_bf16(Self.uniform(&rng)) }
        let q = (0..<(n * d)).map { _ in Self.uniform(&rng) }
        var packed = [UInt16](repeating: 0, count: tw_packed_centroids_count(k, d))
        tw_pack_centroids(centroids, k, d, &packed)
        var pairs = [UInt32](repeating: 0, count: n * ((d + 1) / 2))
        tw_query_to_bf16_pairs(q, n, d, &pairs)
        let ldc = k + 3
        var scores = [Float](repeating: .nan, count: n * ldc)
        let panels = (k + 31) / 32
        // Two calls over disjoint panel ranges (as two threads would) cover every centroid.
        tw_centroid_scores(q, pairs, n, d, packed, k, &scores, ldc, 0, panels / 2)
        tw_centroid_scores(q, pairs, n, d, packed, k, &scores, ldc, panels / 2, panels)
        var worst: Float = 0
        for i in 0..<n {
            var qNorm: Float = 0
            for j in 0..<d { qNorm += q[i * d + j] * q[i * d + j] }
            for c in 0..<k {
                var exact: Double = 0, cNorm: Float = 0
                for j in 0..<d {
                    let cj = tw_bf16_to_float(centroids[c * d + j])
                    exact += Double(q[i * d + j]) * Double(cj)
                    cNorm += cj * cj
                }
                let bound = Float(1.0 / 256) * (qNorm * cNorm).squareRoot() + 1e-5
                worst = max(worst, abs(scores[i * ldc + c] - Float(exact)) / bound)
                let row = tw_dot_bf16_row(Array(q[(i * d)..<((i + 1) * d)]), Array(centroids[(c * d)..<((c + 1) * d)]), d)
                #expect(abs(row - Float(exact)) < 1e-4)
            }
            for c in k..<ldc { #expect(scores[i * ldc + c].isNaN) }  // nothing written past K
        }
        #expect(worst <= 1)
    }

    /// int16 scoring (AVX2 stage 1 and build screen; the portable loop at TESSERA_CPU=portable): every score is
    /// within tw_int16_error_bound · ‖q‖‖c‖ of the fp32 dot product, for partial panels, odd dimensions, rows that
    /// leave partial register tiles, zero vectors and vectors of very different norms; nothing is written past K.
    @Test(arguments: [(1, 32, 8), (5, 33, 7), (4, 64, 384), (13, 100, 48), (25, 1000, 384), (40, 70, 31), (3, 17, 1)])
    func int16CentroidScoresStayWithinTheirBound(shape: (Int, Int, Int)) {
        let (n, k, d) = shape
        var rng = SplitMix64(seed: UInt64(n * 7919 + k * 31 + d))
        var centroids = (0..<(k * d)).map { _ in Self.uniform(&rng) }
        var q = (0..<(n * d)).map { _ in Self.uniform(&rng) * 3 }
        for j in 0..<d { centroids[j] = 0 }                          // a zero centroid scores 0
        if n > 1 { for j in 0..<d { q[d + j] *= 1e-3 } }            // a tiny query row keeps its precision
        var packed = [Int16](repeating: 0, count: tw_packed_centroids_count(k, d))
        var scales = [Float](repeating: 0, count: k)
        tw_pack_centroids_i16(centroids, k, d, &packed, &scales)
        var pairs = [UInt32](repeating: 0, count: n * ((d + 1) / 2))
        var rowScales = [Float](repeating: 0, count: n)
        tw_query_to_i16_pairs(q, n, d, &pairs, &rowScales)
        let ldc = k + 3
        var scores = [Float](repeating: .nan, count: n * ldc)
        let panels = (k + 31) / 32
        tw_centroid_scores_i16(pairs, rowScales, n, d, packed, scales, k, &scores, ldc, 0, panels / 2)
        tw_centroid_scores_i16(pairs, rowScales, n, d, packed, scales, k, &scores, ldc, panels / 2, panels)
        let eps = tw_int16_error_bound(d)
        var worst: Float = 0
        for i in 0..<n {
            var qNorm: Double = 0
            for j in 0..<d { qNorm += Double(q[i * d + j] * q[i * d + j]) }
            for c in 0..<k {
                var exact: Double = 0, cNorm: Double = 0
                for j in 0..<d {
                    exact += Double(q[i * d + j]) * Double(centroids[c * d + j])
                    cNorm += Double(centroids[c * d + j] * centroids[c * d + j])
                }
                let bound = Float(Double(eps) * (qNorm * cNorm).squareRoot()) + 1e-7
                worst = max(worst, abs(scores[i * ldc + c] - Float(exact)) / bound)
            }
            #expect(scores[i * ldc] == 0)
            for c in k..<ldc { #expect(scores[i * ldc + c].isNaN) }
        }
        #expect(worst <= 1, "worst error / bound \(worst)")
        #expect(eps < 1.0 / 256, "int16 screening is tighter than bfloat16 (ε \(eps))")
    }

    /// The selection (prefiltered for large inputs: threshold from mean and spread, retried when too few or too
    /// many pass) equals a full sort by score, best first, lower index first on ties, for normal-ish, tied, sorted,
    /// constant, long-tailed and outlier-heavy inputs.
    @Test(arguments: [(16384, 128), (16384, 16), (5000, 300), (100, 10), (3000, 200)])
    func selectionEqualsAFullSort(shape: (Int, Int)) {
        let (n, keep) = shape
        var rng = SplitMix64(seed: UInt64(n + keep))
        let layouts: [[Float]] = [
            (0..<n).map { _ in Self.uniform(&rng) },
            (0..<n).map { _ in Float(Int(Self.uniform(&rng) * 20)) / 20 },   // many ties
            (0..<n).map { Float($0) / Float(n) },                             // best at the end
            (0..<n).map { Float(n - $0) / Float(n) },                         // best at the start
            [Float](repeating: 0.5, count: n),                                // all equal
            (0..<n).map { _ in -Float(log(Double(max(Self.uniform(&rng), -0.999) + 1) / 2)) },  // long right tail
            (0..<n).map { $0 % 97 == 0 ? 1 + Float($0) / Float(n) : Self.uniform(&rng) / 100 },  // a few outliers
        ]
        for scores in layouts {
            var idx = [Int32](repeating: -1, count: keep), val = [Float](repeating: 0, count: keep)
            tw_select_top(scores, n, keep, &idx, &val)
            let want = (0..<n).sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }.prefix(keep)
            #expect(idx.map(Int.init) == Array(want))
            #expect(val == want.map { scores[$0] })
        }
    }
}
