import CTesseraKernels
import Foundation
import Testing
@testable import TesseraKernels

@Suite struct LinearWeightsTests {
    /// The packed kernel (or the BLAS fallback) equals a plain triple loop, with bias, odd sizes
    /// (balanced row tiles of every height 1…12, edge tiles in columns, several K blocks, more than one 96-row
    /// block) and row strides wider than the data.
    @Test(arguments: [(1, 1, 1), (2, 40, 70), (5, 32, 16), (11, 31, 300), (12, 64, 256), (13, 33, 257), (25, 50, 600),
                      (37, 20, 100), (100, 64, 384), (203, 45, 130)])
    func matchesNaiveProduct(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        var rng = SplitMix(seed: UInt64(m * 1000 + n))
        let lda = k + 3, ldc = n + 5
        let a = (0..<(m * lda)).map { _ in rng.nextFloat() }
        let w = (0..<(n * k)).map { _ in rng.nextFloat() }
        let bias = (0..<n).map { _ in rng.nextFloat() }
        let storage = FloatBuffer(capacity: n * k)
        storage.pointer.update(from: w, count: n * k)
        let linear = LinearWeights(weight: storage.pointer, outputs: n, inputs: k, owner: storage)
        var c = [Float](repeating: 7, count: m * ldc)
        c.withUnsafeMutableBufferPointer {
            linear.apply(a, lda: lda, rows: m, bias: bias, into: $0.baseAddress!, ldc: ldc, workspace: FloatBuffer())
        }
        var worst: Float = 0
        for i in 0..<m {
            for j in 0..<n {
                var s: Double = Double(bias[j])
                for p in 0..<k { s += Double(a[i * lda + p]) * Double(w[j * k + p]) }
                worst = max(worst, abs(Float(s) - c[i * ldc + j]))
            }
            for j in n..<ldc { #expect(c[i * ldc + j] == 7, "padding columns untouched") }
        }
        #expect(worst < 1e-4, "max diff \(worst) (packed kernel: \(linear.usesPackedKernel))")
        #expect(linear.usesPackedKernel == (tk_gemm_packed_available() != 0))
    }
}

@Suite struct PackedGEMMOrderTests {
    /// Every packed-GEMM variant (AVX-512 12 × 32, AVX2 6 × 16) accumulates each output in one order: bias, then one
    /// FMA per k within a 256-wide k block, each later block's partial sum added to the output. So each is
    /// bit-identical to this scalar replay of that order, and therefore to the others, whichever machine runs it.
    @Test(arguments: [(1, 5, 3), (7, 33, 300), (25, 64, 513), (97, 40, 256)])
    func equalsTheScalarReplayBitForBit(shape: (Int, Int, Int)) {
        guard tk_gemm_packed_available() != 0 else { return }  // BLAS runs instead: its order is its own
        let (m, n, k) = shape
        var rng = SplitMix(seed: UInt64(m * 31 + n * 7 + k))
        let a = (0..<(m * k)).map { _ in rng.nextFloat() }
        let w = (0..<(n * k)).map { _ in rng.nextFloat() }
        let bias = (0..<n).map { _ in rng.nextFloat() }
        let storage = FloatBuffer(capacity: n * k)
        storage.pointer.update(from: w, count: n * k)
        let linear = LinearWeights(weight: storage.pointer, outputs: n, inputs: k, owner: storage)
        var c = [Float](repeating: 0, count: m * n)
        c.withUnsafeMutableBufferPointer {
            linear.apply(a, lda: k, rows: m, bias: bias, into: $0.baseAddress!, ldc: n, workspace: FloatBuffer())
        }
        var mismatches = 0
        for i in 0..<m {
            for j in 0..<n {
                var out: Float = 0
                for k0 in stride(from: 0, to: k, by: 256) {
                    var acc: Float = k0 == 0 ? bias[j] : 0
                    for p in k0..<min(k, k0 + 256) { acc = acc.addingProduct(a[i * k + p], w[j * k + p]) }
                    out = k0 == 0 ? acc : out + acc
                }
                if out.bitPattern != c[i * n + j].bitPattern { mismatches += 1 }
            }
        }
        #expect(mismatches == 0, "\(mismatches) of \(m * n) outputs differ from the scalar replay")
    }
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
    mutating func nextFloat() -> Float { Float(next() >> 40) / Float(1 << 24) - 0.5 }
}

@Suite struct AttentionKernelTests {
    /// The fused attention kernel equals softmax(scale · QKᵀ)V computed naively, for lengths that leave
    /// partial row and key blocks.
    @Test(arguments: [1, 7, 8, 9, 33, 130])
    func matchesNaiveAttention(length: Int) {
        let dh = 32, ld = 3 * 64
        var rng = SplitMix(seed: UInt64(length))
        let qkv = (0..<(length * ld)).map { _ in rng.nextFloat() * 4 }
        var out = [Float](repeating: 0, count: length * 64)
        let scratch = FloatBuffer(capacity: VectorKernels.attentionScratchSize(length: length, headSize: dh))
        let scale = 1 / Float(dh).squareRoot()
        let ran = qkv.withUnsafeBufferPointer { p in
            out.withUnsafeMutableBufferPointer { o in
                VectorKernels.attentionHead(q: p.baseAddress!, k: p.baseAddress! + 64, v: p.baseAddress! + 128, ld: ld,
                                            length: length, headSize: dh, scale: scale, out: o.baseAddress!, ldo: 64,
                                            scratch: scratch.pointer)
            }
        }
        // Portable CPUs (TESSERA_CPU=portable) and ARM have no fused kernel: the encoder uses BLAS there, covered by
        // the parity tests run at that level.
        #expect(ran == (tk_attention_available(dh) != 0))
        guard ran else { return }
        var worst: Double = 0
        for i in 0..<length {
            var scores = (0..<length).map { j in (0..<dh).reduce(0.0) { $0 + Double(qkv[i * ld + $1]) * Double(qkv[j * ld + 64 + $1]) } * Double(scale) }
            let m = scores.max()!
            scores = scores.map { exp($0 - m) }
            let total = scores.reduce(0, +)
            for d in 0..<dh {
                let expected = (0..<length).reduce(0.0) { $0 + scores[$1] / total * Double(qkv[$1 * ld + 128 + d]) }
                worst = max(worst, abs(expected - Double(out[i * 64 + d])))
            }
            for d in dh..<64 { #expect(out[i * 64 + d] == 0, "other heads' columns untouched") }
        }
        #expect(worst < 1e-5, "max diff \(worst)")
    }
}
