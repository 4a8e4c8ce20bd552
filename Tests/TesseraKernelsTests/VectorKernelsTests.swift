import CTesseraKernels
import Foundation
import Testing
@testable import TesseraKernels

@Suite struct VectorKernelsTests {
    @Test func geluMatchesExactErfFormula() {
        var worst: Double = 0
        var x = -12.0
        while x <= 12 {
            let exact = 0.5 * x * (1 + erf(x / 2.0.squareRoot()))
            worst = max(worst, abs(Double(VectorKernels.gelu(Float(x))) - exact))
            x += 0.001
        }
        #expect(worst < 2e-6, "max |gelu - exact| = \(worst)")
    }

    @Test func biasGELUOverRowsUsesTheDispatchedVariant() {
        let rows = 3, cols = 37
        var x = (0..<(rows * cols)).map { Float($0 % 17) * 0.37 - 3 }
        let bias = (0..<cols).map { Float($0) * 0.01 }
        let expected = (0..<(rows * cols)).map { i -> Float in
            let v = Double(x[i] + bias[i % cols])
            return Float(0.5 * v * (1 + erf(v / 2.0.squareRoot())))
        }
        x.withUnsafeMutableBufferPointer { VectorKernels.biasGELU($0.baseAddress!, bias: bias, rows: rows, cols: cols) }
        for i in 0..<x.count { #expect(abs(x[i] - expected[i]) < 2e-6) }
    }

    @Test func layerNormWithResidualAndBias() {
        let cols = 5
        var x: [Float] = [1, 2, 3, 4, 5]
        let y: [Float] = [0.5, 0.5, 0.5, 0.5, 0.5]
        let bias: [Float] = [0, 1, 0, 1, 0]
        let gamma: [Float] = [1, 2, 1, 2, 1]
        let beta: [Float] = [0, 0, 1, 1, 0]
        let sum = zip(zip(x, y), bias).map { Double($0.0 + $0.1 + $1) }
        let mean = sum.reduce(0, +) / Double(cols)
        let variance = sum.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(cols)
        let expected = (0..<cols).map { Float((sum[$0] - mean) / (variance + 1e-12).squareRoot()) * gamma[$0] + beta[$0] }
        x.withUnsafeMutableBufferPointer {
            VectorKernels.addLayerNorm($0.baseAddress!, adding: y, bias: bias, gamma: gamma, beta: beta, rows: 1, cols: cols, epsilon: 1e-12)
        }
        for i in 0..<cols { #expect(abs(x[i] - expected[i]) < 1e-5) }
    }

    @Test func softmaxRowsSumToOneAndRespectScale() {
        var s: [Float] = [1, 2, 3, 99, 0, 0, 0, 99]  // two rows of 3 inside a stride of 4
        s.withUnsafeMutableBufferPointer { VectorKernels.softmaxRows($0.baseAddress!, rows: 2, cols: 3, ld: 4, scale: 0.5) }
        let e = [exp(0.5), exp(1.0), exp(1.5)]
        let total = e.reduce(0, +)
        for i in 0..<3 { #expect(abs(Double(s[i]) - e[i] / total) < 1e-6) }
        #expect(s[3] == 99 && s[7] == 99, "entries past cols are untouched")
        for i in 4..<7 { #expect(abs(s[i] - 1.0 / 3) < 1e-6) }
    }

    @Test func dotAndNormalize() {
        var v: [Float] = [3, 4]
        let norm = v.withUnsafeMutableBufferPointer { VectorKernels.l2Normalize($0.baseAddress!, count: 2) }
        #expect(norm == 5)
        #expect(abs(v[0] - 0.6) < 1e-7 && abs(v[1] - 0.8) < 1e-7)
        var zero: [Float] = [0, 0]
        _ = zero.withUnsafeMutableBufferPointer { VectorKernels.l2Normalize($0.baseAddress!, count: 2) }
        #expect(zero == [0, 0])
        let a = (0..<100).map { Float($0) }
        let b = (0..<100).map { _ in Float(2) }
        #expect(VectorKernels.dot(a, b, count: 100) == 9900)
    }

    @Test func halfAndBFloat16Conversion() {
        let halves: [UInt16] = [0x3C00, 0xC000, 0x0000, 0x8000, 0x7C00, 0x0001, 0x3555]
        var out = [Float](repeating: 0, count: halves.count)
        VectorKernels.halfToFloat(halves, &out, count: halves.count)
        #expect(out[0] == 1 && out[1] == -2 && out[2] == 0 && out[3] == 0 && out[3].sign == .minus)
        #expect(out[4] == .infinity)
        #expect(out[5] == Float(sign: .plus, exponent: -24, significand: 1))
        #expect(abs(out[6] - 0.333251953125) < 1e-9)
        let b: [UInt16] = [0x3F80, 0xC040]
        var bo = [Float](repeating: 0, count: 2)
        VectorKernels.bfloat16ToFloat(b, &bo, count: 2)
        #expect(bo == [1, -3])
    }

    @Test func sgemmRowMajorWithTransposes() {
        // A 2x3, B stored as 4x3 (transB) -> C 2x4.
        let a: [Float] = [1, 2, 3, 4, 5, 6]
        let b: [Float] = [1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1]
        var c = [Float](repeating: -1, count: 8)
        c.withUnsafeMutableBufferPointer { BLAS.sgemm(transB: true, m: 2, n: 4, k: 3, a: a, lda: 3, b: b, ldb: 3, c: $0.baseAddress!, ldc: 4) }
        #expect(c == [1, 2, 3, 6, 4, 5, 6, 15])
    }

    @Test func parallelForEachVisitsEveryItemOnce() {
        let hits = UnsafeMutablePointer<Int>.allocate(capacity: 1000)
        hits.initialize(repeating: 0, count: 1000)
        defer { hits.deallocate() }
        let box = PointerBox(hits)
        Parallel.forEach(count: 1000, threads: 2) { _, i in box.pointer[i] += 1 }
        #expect((0..<1000).allSatisfy { hits[$0] == 1 })
    }

    /// The strided loop visits every item once, item i on worker i % workers, each worker in increasing order.
    @Test func stridedForEachPinsItemsToWorkers() {
        for (count, threads) in [(1000, 2), (7, 3), (2, 5), (0, 2)] {
            let hits = UnsafeMutablePointer<Int>.allocate(capacity: max(1, count))
            hits.initialize(repeating: -1, count: max(1, count))
            let last = UnsafeMutablePointer<Int>.allocate(capacity: 8)
            last.initialize(repeating: -1, count: 8)
            defer { hits.deallocate(); last.deallocate() }
            let box = PointerBox(hits), order = PointerBox(last)
            let ordered = UnsafeMutablePointer<Int>.allocate(capacity: 1)
            ordered.initialize(to: 1)
            defer { ordered.deallocate() }
            let flag = PointerBox(ordered)
            Parallel.forEachStrided(count: count, threads: threads) { worker, i in
                if order.pointer[worker] >= i { flag.pointer.pointee = 0 }
                order.pointer[worker] = i
                box.pointer[i] = worker
            }
            let workers = max(1, min(threads, count))
            #expect((0..<count).allSatisfy { hits[$0] == $0 % workers }, "\(count) items on \(threads) threads")
            #expect(ordered.pointee == 1)
        }
    }
}

struct PointerBox: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Int>
    init(_ p: UnsafeMutablePointer<Int>) { pointer = p }
}

@Suite struct KernelDispatchTests {
    /// The active level is the detected one capped by TESSERA_CPU (this suite runs once per level in Scripts/test.sh).
    @Test func activeLevelIsTheDetectedOneCappedByTheEnvironment() {
        let info = KernelDispatch.current
        let cap = info.requested.flatMap { name in KernelDispatch.Level.allCases.first { $0.name == name } }
        #expect(info.active == min(info.detected, cap ?? info.detected))
        #expect(info.supportedLevels.contains(info.active))
        #expect(Int(tk_kernel_level()) == info.active.rawValue)
        if info.detected >= .avx2 { #expect(info.features.contains("avx2") && info.features.contains("fma")) }
    }
}
