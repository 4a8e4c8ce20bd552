import TesseraKernels

/// Exact inner-product search over pooled vectors (`count × dimension`, row-major): one GEMM per query
/// batch through the packed kernel, heap top-k. With a Matryoshka `dimension` smaller than the stored
/// one, both sides use their first `dimension` values, renormalised.
public struct DenseRetriever: @unchecked Sendable {
    /// Stored vectors.
    public let vectors: UnsafePointer<Float>
    /// Number of documents.
    public let count: Int
    /// Stored width.
    public let storedDimension: Int
    /// Width used for scoring (≤ stored).
    public let dimension: Int
    private let inverseNorms: [Float]
    private let owner: AnyObject?

    /// Wraps stored vectors; `dimension` (default: all) selects a Matryoshka prefix.
    public init(vectors: UnsafePointer<Float>, count: Int, storedDimension: Int, dimension: Int? = nil, owner: AnyObject?) {
        self.vectors = vectors
        self.count = count
        self.storedDimension = storedDimension
        let dim = min(dimension ?? storedDimension, storedDimension)
        self.dimension = dim
        self.owner = owner
        if dim == storedDimension {
            inverseNorms = []
        } else {
            inverseNorms = (0..<count).map { i in
                var sq: Float = 0
                for c in 0..<dim { sq += vectors[i * storedDimension + c] * vectors[i * storedDimension + c] }
                return sq > 0 ? 1 / sq.squareRoot() : 0
            }
        }
    }

    /// The `topK` documents for each query (`queries` row-major, `storedDimension` or `dimension` wide,
    /// already L2-normalised at that width).
    public func search(queries: [Float], queryDimension: Int, topK: Int) -> [[ScoredDocument]] {
        let nq = queries.count / max(queryDimension, 1)
        guard nq > 0, count > 0 else { return Array(repeating: [], count: nq) }
        // Query side: first `dimension` values, renormalised.
        var q = [Float](repeating: 0, count: nq * dimension)
        for i in 0..<nq {
            for c in 0..<dimension { q[i * dimension + c] = queries[i * queryDimension + c] }
            q.withUnsafeMutableBufferPointer { _ = VectorKernels.l2Normalize($0.baseAddress! + i * dimension, count: dimension) }
        }
        if nq == 1 {
            // One query: a matrix-vector product (the packed GEMM would pad the single column to 32).
            var top = TopK(k: topK)
            q.withUnsafeBufferPointer { qp in
                for r in 0..<count {
                    let scale = inverseNorms.isEmpty ? 1 : inverseNorms[r]
                    let s = VectorKernels.dot(vectors + r * storedDimension, qp.baseAddress!, count: dimension) * scale
                    if s > top.threshold { top.insert(Int32(r), s) }
                }
            }
            return [top.sorted()]
        }
        let storage = FloatBuffer(capacity: q.count)
        storage.pointer.update(from: q, count: q.count)
        let linear = LinearWeights(weight: storage.pointer, outputs: nq, inputs: dimension, owner: storage)
        var results = (0..<nq).map { _ in TopK(k: topK) }
        let block = 16_384
        let scores = FloatBuffer(capacity: block * nq)
        let work = FloatBuffer()
        var start = 0
        while start < count {
            let rows = min(block, count - start)
            linear.apply(vectors + start * storedDimension, lda: storedDimension, rows: rows, bias: nil,
                         into: scores.pointer, ldc: nq, workspace: work)
            for r in 0..<rows {
                let scale = inverseNorms.isEmpty ? 1 : inverseNorms[start + r]
                for i in 0..<nq {
                    let s = scores.pointer[r * nq + i] * scale
                    if s > results[i].threshold { results[i].insert(Int32(start + r), s) }
                }
            }
            start += rows
        }
        return results.map { $0.sorted() }
    }
}
