import CTesseraKernels
import Foundation
import TesseraKernels

/// The forward and backward pieces the training encoder is made of, on row-major float buffers. Linear layers
/// are BLAS GEMMs split over `threads` workers; everything else is a plain loop over rows.
enum TrainingOps {
    /// `y[rows × outputs] = x[rows × inputs] · Wᵀ + b`.
    static func linear(_ x: UnsafePointer<Float>, rows: Int, weight: Matrix, bias: Matrix, into y: UnsafeMutablePointer<Float>,
                       threads: Int) {
        let outputs = weight.rows, inputs = weight.cols
        BLAS.sgemm(transB: true, m: rows, n: outputs, k: inputs, a: x, lda: inputs, b: weight.pointer, ldb: inputs,
                   c: y, ldc: outputs, threads: threads)
        VectorKernels.addBias(y, bias: bias.pointer, rows: rows, cols: outputs)
    }

    /// Backward of ``linear``: `dW += dyᵀ x`, `db += Σ_rows dy`, and `dx = dy · W` (or `dx += dy · W` when
    /// `accumulate`) if `dx` is given.
    static func linearBackward(_ dy: UnsafePointer<Float>, x: UnsafePointer<Float>, rows: Int, weight: TrainableTensor,
                               bias: TrainableTensor, dx: UnsafeMutablePointer<Float>?, accumulate: Bool, threads: Int) {
        let outputs = weight.value.rows, inputs = weight.value.cols
        BLAS.sgemm(transA: true, m: outputs, n: inputs, k: rows, a: dy, lda: outputs, b: x, ldb: inputs,
                   beta: 1, c: weight.gradient.pointer, ldc: inputs, threads: threads)
        columnSums(dy, rows: rows, cols: outputs, into: bias.gradient.pointer)
        if let dx {
            BLAS.sgemm(m: rows, n: inputs, k: outputs, a: dy, lda: outputs, b: weight.value.pointer, ldb: inputs,
                       beta: accumulate ? 1 : 0, c: dx, ldc: inputs, threads: threads)
        }
    }

    /// `out[c] += Σ_r x[r][c]`.
    static func columnSums(_ x: UnsafePointer<Float>, rows: Int, cols: Int, into out: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let row = x + r * cols
            for c in 0..<cols { out[c] += row[c] }
        }
    }

    /// LayerNorm of each row of `s` into `y` (`y = γ x̂ + β`), recording `x̂` and `1/σ` for the backward pass.
    static func layerNorm(_ s: UnsafePointer<Float>, rows: Int, cols: Int, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                          epsilon: Float, into y: UnsafeMutablePointer<Float>, normalized: UnsafeMutablePointer<Float>,
                          inverseDeviation: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let row = s + r * cols, xh = normalized + r * cols, out = y + r * cols
            var sum = 0.0
            for c in 0..<cols { sum += Double(row[c]) }
            let mean = sum / Double(cols)
            var squares = 0.0
            for c in 0..<cols { let d = Double(row[c]) - mean; squares += d * d }
            let rstd = Float(1 / (squares / Double(cols) + Double(epsilon)).squareRoot())
            let m = Float(mean)
            inverseDeviation[r] = rstd
            for c in 0..<cols {
                xh[c] = (row[c] - m) * rstd
                out[c] = xh[c] * gamma[c] + beta[c]
            }
        }
    }

    /// Backward of ``layerNorm``: `ds = (1/σ)(dx̂ − mean(dx̂) − x̂ · mean(dx̂ ⊙ x̂))` with `dx̂ = dy ⊙ γ`;
    /// `dγ += Σ dy ⊙ x̂`, `dβ += Σ dy`. `ds` may alias `dy`.
    static func layerNormBackward(_ dy: UnsafePointer<Float>, rows: Int, cols: Int, normalized: UnsafePointer<Float>,
                                  inverseDeviation: UnsafePointer<Float>, gamma: TrainableTensor, beta: TrainableTensor,
                                  into ds: UnsafeMutablePointer<Float>) {
        let g = gamma.value.pointer, dg = gamma.gradient.pointer, db = beta.gradient.pointer
        let n = Float(cols)
        for r in 0..<rows {
            let d = dy + r * cols, xh = normalized + r * cols, out = ds + r * cols
            var meanD: Float = 0, meanDX: Float = 0
            for c in 0..<cols {
                let dxh = d[c] * g[c]
                meanD += dxh
                meanDX += dxh * xh[c]
                dg[c] += d[c] * xh[c]
                db[c] += d[c]
            }
            meanD /= n
            meanDX /= n
            let rstd = inverseDeviation[r]
            for c in 0..<cols { out[c] = rstd * (d[c] * g[c] - meanD - xh[c] * meanDX) }
        }
    }

    /// Exact GELU `g = u Φ(u)`, recording `Φ(u)` for the backward pass: the kernels' vectorised Φ (within 4 ulp of
    /// Φ in double, tested; the inference encoder uses the same one).
    static func gelu(_ u: UnsafePointer<Float>, count: Int, into g: UnsafeMutablePointer<Float>, phi: UnsafeMutablePointer<Float>) {
        tk_gelu_record(u, g, phi, count)
    }

    /// Backward of ``gelu``: `du = dg · (Φ(u) + u φ(u))`, φ the standard normal density. `du` may alias `dg`.
    static func geluBackward(_ dg: UnsafePointer<Float>, u: UnsafePointer<Float>, phi: UnsafePointer<Float>, count: Int,
                             into du: UnsafeMutablePointer<Float>) {
        tk_gelu_backward(dg, u, phi, du, count)
    }
}

/// Seeded dropout masks: every mask is a pure function of (seed, example, site), so a mini-batch recomputed
/// for a cached loss, or for the backward pass, draws exactly the same mask.
struct DropoutMasks: Sendable {
    /// Drop probability.
    let probability: Float
    /// The run's seed mixed with the step.
    let seed: UInt64

    var isActive: Bool { probability > 0 }

    /// Fills `count` scale factors (0, or 1/(1−p) for kept entries) for `site` of `example`.
    func fill(_ mask: UnsafeMutablePointer<Float>, count: Int, example: Int, site: Int) {
        var rng = SplitMix64(seed: seed ^ (UInt64(truncatingIfNeeded: example) &* 0x9E37_79B9_7F4A_7C15)
                             ^ (UInt64(truncatingIfNeeded: site) &* 0xC2B2_AE3D_27D4_EB4F))
        let keep = 1 / (1 - probability)
        let threshold = UInt64(Double(probability) * 18_446_744_073_709_551_616.0)
        for i in 0..<count { mask[i] = rng.next() >= threshold ? keep : 0 }
    }
}
