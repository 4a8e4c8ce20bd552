import Foundation
import TesseraKernels

extension BM25Index {
    /// The query's terms that occur in the index, as (term id, occurrences in the query), in order of first occurrence.
    public func queryTerms(_ query: String) -> [(term: Int, count: Int)] {
        queryTerms(analyzed: analyzer.analyze(query))
    }

    /// Like ``queryTerms(_:)`` for already analysed terms.
    public func queryTerms(analyzed terms: [String]) -> [(term: Int, count: Int)] {
        var out: [(term: Int, count: Int)] = []
        for t in terms {
            guard let id = termID(t) else { continue }
            if let i = out.firstIndex(where: { $0.term == id }) {
                out[i].count += 1
            } else {
                out.append((id, 1))
            }
        }
        return out
    }

    /// The `topK` best documents for `query` (analysed with ``analyzer``), best first; ties go to the lower document
    /// index. Only documents containing at least one query term are returned, so there may be fewer than `topK`.
    public func search(_ query: String, topK: Int = 10) -> [ScoredDocument] {
        search(termCounts: queryTerms(query), topK: topK)
    }

    /// Like ``search(_:topK:)`` for already analysed terms.
    public func search(analyzed terms: [String], topK: Int = 10) -> [ScoredDocument] {
        search(termCounts: queryTerms(analyzed: terms), topK: topK)
    }

    /// Searches many queries on up to `threads` threads; results in query order.
    public func search(_ queries: [String], topK: Int = 10, threads: Int = Parallel.availableCores) -> [[ScoredDocument]] {
        let results = ResultSlots(count: queries.count)
        Parallel.forEach(count: queries.count, threads: threads) { _, i in
            results.set(i, search(queries[i], topK: topK))
        }
        return results.values
    }

    /// Scores term postings into a dense per-document accumulator and keeps the `topK` best with a heap.
    ///
    /// `termCounts` holds term ids (positions in ``vocabulary``) with their weight in the query (occurrences);
    /// an id outside the vocabulary is a programming error.
    public func search(termCounts: [(term: Int, count: Int)], topK: Int) -> [ScoredDocument] {
        let n = documentCount
        guard topK > 0, n > 0, !termCounts.isEmpty else { return [] }
        for (term, _) in termCounts {
            precondition(term >= 0 && term < termCount, "term id \(term) outside the vocabulary (0..<\(termCount))")
        }
        let scratch = scratchPool.take(documentCount: n)
        defer { scratchPool.give(scratch) }
        let scores = scratch.scores, touched = scratch.touched
        var touchedCount = 0
        let k1Plus1 = parameters.k1 + 1
        withExtendedLifetime(self) {
            let offsets = postingOffsets.buffer, docs = postingDocuments.buffer
            let freqs = postingFrequencies.buffer, norms = lengthNorms.buffer
            for (term, count) in termCounts {
                let start = Int(offsets[term]), end = Int(offsets[term + 1])
                let idf = inverseDocumentFrequency(documentFrequency: end - start)
                let weight = Float(idf * k1Plus1 * Double(count))
                for p in start..<end {
                    let d = Int(docs[p])
                    let tf = Float(freqs[p])
                    let contribution = weight * tf / (tf + norms[d])
                    if scores[d] == 0 {
                        touched[touchedCount] = Int32(truncatingIfNeeded: d)
                        touchedCount += 1
                    }
                    scores[d] += contribution
                }
            }
        }
        return scratch.rank(touched: touchedCount, topK: topK)
    }
}

/// Per-search working memory: a dense score per document (kept all-zero between searches), the list of documents
/// touched.
final class BM25Scratch {
    let capacity: Int
    let scores: UnsafeMutablePointer<Float>
    let touched: UnsafeMutablePointer<Int32>

    init(documentCount: Int) {
        capacity = documentCount
        scores = .allocate(capacity: max(documentCount, 1))
        scores.initialize(repeating: 0, count: max(documentCount, 1))
        touched = .allocate(capacity: max(documentCount, 1))
    }

    deinit {
        scores.deallocate()
        touched.deallocate()
    }

    /// The `topK` best of the first `count` touched documents, best first (ties: the lower document), their scores
    /// set back to 0 for the next search.
    func rank(touched count: Int, topK: Int) -> [ScoredDocument] {
        var heap = TopK(k: topK)
        for i in 0..<count {
            let d = Int(touched[i])
            heap.insert(Int32(truncatingIfNeeded: d), scores[d])
            scores[d] = 0
        }
        return heap.sorted()
    }
}

/// A lock-protected pool of scratch buffers, so concurrent searches never share one and sequential searches reuse them.
final class ScratchPool: @unchecked Sendable {
    private let lock = NSLock()
    private var free: [BM25Scratch] = []

    func take(documentCount: Int) -> BM25Scratch {
        lock.lock()
        let s = free.popLast()
        lock.unlock()
        if let s, s.capacity >= documentCount { return s }
        return BM25Scratch(documentCount: documentCount)
    }

    func give(_ s: BM25Scratch) {
        lock.lock()
        if free.count < 64 { free.append(s) }
        lock.unlock()
    }
}

/// Result slots filled by parallel workers, each slot written by exactly one worker.
final class ResultSlots: @unchecked Sendable {
    private var slots: [[ScoredDocument]]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: [], count: count) }

    func set(_ i: Int, _ value: [ScoredDocument]) {
        lock.lock()
        slots[i] = value
        lock.unlock()
    }

    var values: [[ScoredDocument]] {
        lock.lock()
        defer { lock.unlock() }
        return slots
    }
}
