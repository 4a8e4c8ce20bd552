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
    public func search(_ query: String, topK: Int = 10) -> [BM25Hit] {
        search(termCounts: queryTerms(query), topK: topK)
    }

    /// Like ``search(_:topK:)`` for already analysed terms.
    public func search(analyzed terms: [String], topK: Int = 10) -> [BM25Hit] {
        search(termCounts: queryTerms(analyzed: terms), topK: topK)
    }

    /// Searches many queries on up to `threads` threads; results in query order.
    public func search(_ queries: [String], topK: Int = 10, threads: Int = Parallel.availableCores) -> [[BM25Hit]] {
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
    public func search(termCounts: [(term: Int, count: Int)], topK: Int) -> [BM25Hit] {
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
        var heap = TopKHeap(capacity: topK, storage: scratch)
        for i in 0..<touchedCount {
            let d = Int(touched[i])
            heap.offer(document: Int32(truncatingIfNeeded: d), score: scores[d])
            scores[d] = 0
        }
        return heap.sortedHits()
    }
}

/// Per-search working memory: a dense score per document (kept all-zero between searches), the list of documents
/// touched, and the heap's arrays.
final class BM25Scratch {
    let capacity: Int
    let scores: UnsafeMutablePointer<Float>
    let touched: UnsafeMutablePointer<Int32>
    var heapScores: [Float] = []
    var heapDocuments: [Int32] = []

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

/// A bounded min-heap keeping the `capacity` best (score descending, document ascending) candidates; the root is
/// the worst kept candidate.
struct TopKHeap {
    let capacity: Int
    private let storage: BM25Scratch

    init(capacity: Int, storage: BM25Scratch) {
        self.capacity = capacity
        self.storage = storage
        storage.heapScores.removeAll(keepingCapacity: true)
        storage.heapDocuments.removeAll(keepingCapacity: true)
    }

    /// Whether (s1, d1) ranks before (s2, d2).
    @inline(__always) static func better(_ s1: Float, _ d1: Int32, _ s2: Float, _ d2: Int32) -> Bool {
        s1 > s2 || (s1 == s2 && d1 < d2)
    }

    mutating func offer(document: Int32, score: Float) {
        let count = storage.heapScores.count
        if count < capacity {
            storage.heapScores.append(score)
            storage.heapDocuments.append(document)
            siftUp(count)
        } else if Self.better(score, document, storage.heapScores[0], storage.heapDocuments[0]) {
            storage.heapScores[0] = score
            storage.heapDocuments[0] = document
            siftDown(0)
        }
    }

    private func siftUp(_ start: Int) {
        var i = start
        let s = storage
        while i > 0 {
            let parent = (i - 1) / 2
            // Worse candidates move up: swap if i is worse than its parent.
            guard Self.better(s.heapScores[parent], s.heapDocuments[parent], s.heapScores[i], s.heapDocuments[i]) else { break }
            s.heapScores.swapAt(parent, i)
            s.heapDocuments.swapAt(parent, i)
            i = parent
        }
    }

    private func siftDown(_ start: Int) {
        var i = start
        let s = storage
        let n = s.heapScores.count
        while true {
            let l = 2 * i + 1, r = l + 1
            var worst = i
            if l < n, Self.better(s.heapScores[worst], s.heapDocuments[worst], s.heapScores[l], s.heapDocuments[l]) { worst = l }
            if r < n, Self.better(s.heapScores[worst], s.heapDocuments[worst], s.heapScores[r], s.heapDocuments[r]) { worst = r }
            if worst == i { return }
            s.heapScores.swapAt(worst, i)
            s.heapDocuments.swapAt(worst, i)
            i = worst
        }
    }

    /// The kept candidates, best first.
    func sortedHits() -> [BM25Hit] {
        var hits = (0..<storage.heapScores.count).map {
            BM25Hit(document: Int(storage.heapDocuments[$0]), score: storage.heapScores[$0])
        }
        hits.sort { Self.better($0.score, Int32($0.document), $1.score, Int32($1.document)) }
        return hits
    }
}

/// Result slots filled by parallel workers, each slot written by exactly one worker.
final class ResultSlots: @unchecked Sendable {
    private var slots: [[BM25Hit]]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: [], count: count) }

    func set(_ i: Int, _ value: [BM25Hit]) {
        lock.lock()
        slots[i] = value
        lock.unlock()
    }

    var values: [[BM25Hit]] {
        lock.lock()
        defer { lock.unlock() }
        return slots
    }
}
