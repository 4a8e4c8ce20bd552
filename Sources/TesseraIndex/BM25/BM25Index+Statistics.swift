import Foundation
import TesseraKernels

/// The collection statistics a BM25 score depends on (N, avgdl and each query term's document frequency), for
/// scoring several indexes (a collection's segments) as if they were one: each index's share is summed with
/// ``add(_:)``, and ``BM25Index/search(analyzed:topK:statistics:)`` scores with the sum.
public struct BM25Statistics: Sendable, Equatable {
    /// Documents counted (N).
    public var documentCount = 0
    /// Their summed lengths (terms after stop-word removal).
    public var totalLength = 0
    /// Documents counted that contain each term (terms asked for only).
    public var documentFrequencies: [String: Int] = [:]

    /// No documents.
    public init() {}

    /// avgdl (0 without documents).
    public var averageDocumentLength: Double { documentCount > 0 ? Double(totalLength) / Double(documentCount) : 0 }

    /// Adds another share.
    public mutating func add(_ other: BM25Statistics) {
        documentCount += other.documentCount
        totalLength += other.totalLength
        for (term, df) in other.documentFrequencies { documentFrequencies[term, default: 0] += df }
    }
}

extension BM25Index {
    /// This index's share of the statistics of `terms` (analysed terms), leaving out the documents at `excluded`
    /// (a collection's deleted rows): the statistics a fresh index of the remaining documents would have.
    public func statistics(of terms: [String], excluding excluded: Set<Int32> = []) -> BM25Statistics {
        var s = BM25Statistics()
        s.documentCount = documentCount
        withExtendedLifetime(self) {
            let lengths = documentLengths.buffer
            for length in lengths { s.totalLength += Int(length) }
            for row in excluded where row >= 0 && Int(row) < documentCount {
                s.documentCount -= 1
                s.totalLength -= Int(lengths[Int(row)])
            }
            let offsets = postingOffsets.buffer, docs = postingDocuments.buffer
            for term in Set(terms) {
                guard let id = termID(term) else { s.documentFrequencies[term] = 0; continue }
                let start = Int(offsets[id]), end = Int(offsets[id + 1])
                var df = end - start
                if !excluded.isEmpty {
                    for p in start..<end where excluded.contains(docs[p]) { df -= 1 }
                }
                s.documentFrequencies[term] = df
            }
        }
        return s
    }

    /// Like ``search(analyzed:topK:)``, with idf and length normalisation from `statistics` instead of this index's
    /// own: the scores a single index holding every counted document would give these documents.
    public func search(analyzed terms: [String], topK: Int, statistics: BM25Statistics) -> [ScoredDocument] {
        let termCounts = queryTerms(analyzed: terms)
        let n = documentCount
        guard topK > 0, n > 0, !termCounts.isEmpty, statistics.documentCount > 0 else { return [] }
        let scratch = scratchPool.take(documentCount: n)
        defer { scratchPool.give(scratch) }
        let scores = scratch.scores, touched = scratch.touched
        var touchedCount = 0
        let k1 = parameters.k1, b = parameters.b, k1Plus1 = k1 + 1
        let average = statistics.averageDocumentLength, total = Double(statistics.documentCount)
        withExtendedLifetime(self) {
            let offsets = postingOffsets.buffer, docs = postingDocuments.buffer
            let freqs = postingFrequencies.buffer, lengths = documentLengths.buffer
            for (term, count) in termCounts {
                let df = Double(statistics.documentFrequencies[vocabulary[term]] ?? documentFrequency(ofTerm: term))
                let idf = InverseDocumentFrequency.value(documentFrequency: df, documentCount: total)
                let weight = Float(idf * k1Plus1 * Double(count))
                for p in Int(offsets[term])..<Int(offsets[term + 1]) {
                    let d = Int(docs[p])
                    let ratio = average > 0 ? Double(lengths[d]) / average : 1
                    let norm = Float(k1 * (1 - b + b * ratio))
                    let tf = Float(freqs[p])
                    if scores[d] == 0 {
                        touched[touchedCount] = Int32(truncatingIfNeeded: d)
                        touchedCount += 1
                    }
                    scores[d] += weight * tf / (tf + norm)
                }
            }
        }
        return scratch.rank(touched: touchedCount, topK: topK)
    }
}
