import CTesseraKernels
import TesseraKernels

/// Spherical k-means over unit vectors: assignment by largest inner product (one packed GEMM per block of
/// points, both cores), centroids re-normalised after each update, empty clusters re-seeded from the data.
public enum KMeans {
    /// Rows per assignment block (keeps the score block of one worker near 16 MiB).
    static func blockRows(centroids k: Int) -> Int { max(16, min(1024, (4 << 20) / max(k, 1))) }

    /// Trains `k` centroids on `points` (`count × dimension`, row-major); returns `k × dimension` floats.
    public static func train(points: UnsafePointer<Float>, count: Int, dimension d: Int, k: Int, iterations: Int,
                             threads: Int, seed: UInt64) -> [Float] {
        precondition(count >= 1 && k >= 1)
        var rng = SplitMix64(seed: seed)
        // Initialise with k distinct random points (Fisher–Yates prefix).
        var order = Array(0..<count)
        let initial = min(k, count)
        for i in 0..<initial {
            let j = i + Int(rng.next() % UInt64(count - i))
            order.swapAt(i, j)
        }
        var centroids = [Float](repeating: 0, count: k * d)
        for c in 0..<k {
            let src = points + order[c % initial] * d
            for j in 0..<d { centroids[c * d + j] = src[j] }
        }
        var assignment = [Int32](repeating: 0, count: count)
        for _ in 0..<max(1, iterations) {
            centroids.withUnsafeBufferPointer { cb in
                assignment.withUnsafeMutableBufferPointer { ab in
                    assign(points: points, count: count, dimension: d, centroids: cb.baseAddress!, k: k,
                           threads: threads, into: ab.baseAddress!)
                }
            }
            var sums = [Double](repeating: 0, count: k * d)
            var sizes = [Int](repeating: 0, count: k)
            for i in 0..<count {
                let c = Int(assignment[i])
                sizes[c] += 1
                let src = points + i * d
                sums.withUnsafeMutableBufferPointer { s in
                    for j in 0..<d { s[c * d + j] += Double(src[j]) }
                }
            }
            for c in 0..<k {
                if sizes[c] == 0 {
                    let src = points + Int(rng.next() % UInt64(count)) * d
                    for j in 0..<d { centroids[c * d + j] = src[j] }
                    continue
                }
                var norm = 0.0
                for j in 0..<d { norm += sums[c * d + j] * sums[c * d + j] }
                norm = norm.squareRoot()
                let scale = norm > 0 ? 1 / norm : 0
                for j in 0..<d { centroids[c * d + j] = Float(sums[c * d + j] * scale) }
            }
        }
        return centroids
    }

    /// Nearest centroid (largest inner product) of every point, into `out[count]`.
    public static func assign(points: UnsafePointer<Float>, count: Int, dimension d: Int, centroids: UnsafePointer<Float>,
                              k: Int, threads: Int, into out: UnsafeMutablePointer<Int32>) {
        let assigner = Assigner(centroids: centroids, k: k, dimension: d, threads: threads)
        assigner.assign(points: points, count: count, into: out, scores: nil)
    }
}

/// How nearest-centroid scores are screened before the exact fp32 rescoring of the few candidates near the best.
public enum CentroidScreening: Sendable, CaseIterable {
    /// bfloat16 products (AVX512-BF16 only).
    case bfloat16
    /// int16 products with one scale per vector (AVX2: `vpmaddwd`); see `tw_int16_error_bound`.
    case int16
    /// No screening: every score in fp32 (the packed GEMM, or BLAS).
    case none

    /// The fastest screening this CPU runs (capped by `TESSERA_CPU`).
    public static var best: CentroidScreening {
        if tw_has_bf16_dot() != 0 { return .bfloat16 }
        if tw_has_int16_scoring() != 0 { return .int16 }
        return .none
    }

    /// Whether this CPU can run it.
    public var isAvailable: Bool {
        switch self {
        case .bfloat16: return tw_has_bf16_dot() != 0
        case .int16:
            #if arch(x86_64)
            return tk_kernel_level() >= 1
            #else
            return false
            #endif
        case .none: return true
        }
    }
}

/// Assigns points to their nearest centroid (largest inner product); reusable across calls (one scratch set per
/// worker). Scores are screened in reduced precision where the CPU does that fast (``CentroidScreening``) and the
/// few centroids within the screening error of the best are rescored in fp32 (`tw_assign_screened`,
/// `tw_assign_screened_i16`), which gives the fp32 argmax at about half the cost; otherwise a packed fp32 GEMM and
/// an argmax.
public final class Assigner: @unchecked Sendable {
    /// The packed fp32 GEMM (only when not screening).
    let linear: LinearWeights?
    let k: Int
    let d: Int
    let threads: Int
    /// The screening in use.
    public let screening: CentroidScreening
    /// Most points one ``assignRows(worker:points:count:into:scores:)`` call takes.
    public let rowsPerBlock: Int
    private let scratch: [(FloatBuffer, FloatBuffer)]
    private let owner: FloatBuffer
    /// Screening: packed centroids (bfloat16 bits or int16 values), int16 inverse scales, largest centroid norm,
    /// per-worker query pairs and query scales.
    private let packed: [UInt16]
    private let int16: Int16Centroids?
    private let maxNorm: Float
    private let pairs: [UnsafeMutablePointer<UInt32>]

    /// Copies the centroids (`k × dimension`) and packs them for `screening` (``CentroidScreening/none`` where the
    /// CPU cannot run the one asked for).
    public init(centroids: UnsafePointer<Float>, k: Int, dimension d: Int, threads: Int,
                screening requested: CentroidScreening = .best) {
        let screening: CentroidScreening = requested.isAvailable ? requested : .none
        self.screening = screening
        self.k = k
        self.d = d
        self.threads = max(1, threads)
        owner = FloatBuffer(capacity: k * d)
        owner.pointer.update(from: centroids, count: k * d)
        linear = screening == .none ? LinearWeights(weight: owner.pointer, outputs: k, inputs: d, owner: owner) : nil
        rowsPerBlock = KMeans.blockRows(centroids: k)
        scratch = (0..<self.threads).map { _ in (FloatBuffer(capacity: KMeans.blockRows(centroids: k) * k), FloatBuffer()) }
        var p: [UInt16] = []
        switch screening {
        case .bfloat16:
            let bits = (0..<(k * d)).map { tw_float_to_bf16(centroids[$0]) }
            p = [UInt16](repeating: 0, count: tw_packed_centroids_count(k, d))
            bits.withUnsafeBufferPointer { b in p.withUnsafeMutableBufferPointer { tw_pack_centroids(b.baseAddress!, k, d, $0.baseAddress!) } }
        case .int16, .none:
            break
        }
        packed = p
        int16 = screening == .int16 ? Int16Centroids(centroids: centroids, k: k, dimension: d) : nil
        if screening != .none {
            var largest: Float = 0
            for c in 0..<k {
                var n: Float = 0
                for j in 0..<d { n += centroids[c * d + j] * centroids[c * d + j] }
                largest = max(largest, n.squareRoot())
            }
            maxNorm = largest
            // Query pairs, then (int16) one inverse scale per row.
            let words = rowsPerBlock * ((d + 1) / 2) + rowsPerBlock
            pairs = (0..<self.threads).map { _ in
                let w = UnsafeMutablePointer<UInt32>.allocate(capacity: words)
                w.initialize(repeating: 0, count: words)
                return w
            }
        } else {
            maxNorm = 0
            pairs = []
        }
    }

    deinit { for p in pairs { p.deallocate() } }

    /// Nearest centroid of each point into `out`; the best inner product into `scores` if given (both cores).
    public func assign(points: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<Int32>,
                       scores: UnsafeMutablePointer<Float>?) {
        let blocks = (count + rowsPerBlock - 1) / rowsPerBlock
        let p = UnsafeSendablePointer(readOnly: points)
        let o = UnsafeSendablePointer(out)
        let s = scores.map { UnsafeSendablePointer($0) }
        let rows = rowsPerBlock, d = self.d
        Parallel.forEach(count: blocks, threads: threads) { worker, block in
            let start = block * rows
            self.assignRows(worker: worker, points: p.pointer + start * d, count: min(rows, count - start),
                            into: o.pointer + start, scores: s.map { $0.pointer + start })
        }
    }

    /// Single-threaded assignment of at most `rowsPerBlock` points with worker `worker`'s scratch.
    public func assignRows(worker: Int, points: UnsafePointer<Float>, count n: Int, into out: UnsafeMutablePointer<Int32>,
                           scores: UnsafeMutablePointer<Float>?) {
        precondition(n <= rowsPerBlock)
        let (buffer, workspace) = scratch[worker]
        if let linear {
            linear.apply(points, lda: d, rows: n, bias: nil, into: buffer.pointer, ldc: k, workspace: workspace)
            tw_argmax_rows(buffer.pointer, n, k, k, out, scores)
            return
        }
        switch screening {
        case .bfloat16:
            packed.withUnsafeBufferPointer { p in
                tw_assign_screened(points, n, d, pairs[worker], p.baseAddress!, owner.pointer, maxNorm, k, buffer.pointer, out, scores)
            }
        case .int16:
            guard let int16 else { return }
            let words = pairs[worker], rowScales = UnsafeMutableRawPointer(words + rowsPerBlock * ((d + 1) / 2))
                .assumingMemoryBound(to: Float.self)
            int16.packed.withUnsafeBufferPointer { p in
                int16.inverseScales.withUnsafeBufferPointer { cs in
                    tw_assign_screened_i16(points, n, d, words, rowScales, p.baseAddress!, cs.baseAddress!, owner.pointer,
                                           maxNorm, k, buffer.pointer, out, scores)
                }
            }
        case .none:
            break
        }
    }
}
