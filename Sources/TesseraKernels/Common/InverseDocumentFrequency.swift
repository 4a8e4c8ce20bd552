import Foundation

/// Inverse document frequency, the one formula BM25's term weights and the IDF token-salience proxy (PAPERS.md §3)
/// share: idf = ln(1 + (N − df + 0.5) / (df + 0.5)) for a term found in `df` of `N` documents. A term in every
/// document gets nearly 0; a term in none gets the largest value, ln(1 + (N + 0.5) / 0.5).
public enum InverseDocumentFrequency {
    /// idf of a term found in `df` of `n` documents.
    @inlinable
    public static func value(documentFrequency df: Double, documentCount n: Double) -> Double {
        log(1 + (n - df + 0.5) / (df + 0.5))
    }

    /// The idf of every id in `0..<vocabularySize` over documents stored back to back: document `d` is
    /// `tokenIds[documentOffsets[d]..<documentOffsets[d + 1]]` (so `documentOffsets` has one more entry than there are
    /// documents and starts at 0). A document counts once per id however often it holds it; negative ids and ids at or
    /// past `vocabularySize` are skipped.
    public static func table(tokenIds: UnsafeBufferPointer<Int32>, documentOffsets: [Int], vocabularySize: Int) -> [Double] {
        let documents = max(0, documentOffsets.count - 1)
        var df = [Int](repeating: 0, count: max(0, vocabularySize))
        var lastSeen = [Int](repeating: -1, count: df.count)
        for d in 0..<documents {
            for r in documentOffsets[d]..<documentOffsets[d + 1] {
                let t = Int(tokenIds[r])
                guard t >= 0 && t < df.count else { continue }
                if lastSeen[t] != d { lastSeen[t] = d; df[t] += 1 }
            }
        }
        let n = Double(documents)
        return df.map { value(documentFrequency: Double($0), documentCount: n) }
    }

    /// ``table(tokenIds:documentOffsets:vocabularySize:)`` over documents given as one id list each.
    public static func table(documents: [[Int32]], vocabularySize: Int) -> [Double] {
        var offsets = [0]
        offsets.reserveCapacity(documents.count + 1)
        for ids in documents { offsets.append(offsets[offsets.count - 1] + ids.count) }
        let flat = documents.flatMap { $0 }
        return flat.withUnsafeBufferPointer { table(tokenIds: $0, documentOffsets: offsets, vocabularySize: vocabularySize) }
    }
}
