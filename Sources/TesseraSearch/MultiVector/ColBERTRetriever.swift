import Foundation
import TesseraKernels

/// Exact late interaction (ColBERT MaxSim): score(Q, D) = (1/n) Σᵢ maxⱼ ⟨qᵢ, dⱼ⟩ over every token of
/// every document. The baseline XTR is measured against; touches every token vector per query.
public struct ColBERTRetriever: Sendable {
    /// The indexed token vectors.
    public let corpus: TokenCorpus

    /// Makes a retriever over `corpus`.
    public init(corpus: TokenCorpus) { self.corpus = corpus }

    /// The `topK` best documents for `query`.
    public func search(_ query: QueryTokens, topK: Int, threads: Int = 1) -> [ScoredDocument] {
        let n = query.count
        let workers = max(1, threads)
        let heaps = Locked((0..<workers).map { _ in TopK(k: topK) })
        let offsets = corpus.documentOffsets
        let tokenDocuments = corpus.tokenDocuments
        corpus.scan(query: query, threads: workers) { worker, chunk, scores in
            var local = TopK(k: topK)
            var best = [Float](repeating: 0, count: n)
            var d = Int(tokenDocuments[chunk.lowerBound])
            while d < offsets.count - 1 && offsets[d] < chunk.upperBound {
                let rows = offsets[d]..<offsets[d + 1]
                if !rows.isEmpty {
                    for i in 0..<n { best[i] = -.infinity }
                    for r in rows {
                        let row = scores + (r - chunk.lowerBound) * n
                        for i in 0..<n where row[i] > best[i] { best[i] = row[i] }
                    }
                    var total: Float = 0
                    for i in 0..<n { total += best[i] }
                    local.insert(Int32(d), total / Float(n))
                }
                d += 1
            }
            heaps.mutate { all in for item in local.sorted() { all[worker].insert(item) } }
        }
        var merged = TopK(k: topK)
        for heap in heaps.value { for item in heap.sorted() { merged.insert(item) } }
        return merged.sorted()
    }
}

/// A value guarded by a lock, for merging per-worker results.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value { lock.lock(); defer { lock.unlock() }; return stored }
    func mutate(_ body: (inout Value) -> Void) { lock.lock(); defer { lock.unlock() }; body(&stored) }
}
