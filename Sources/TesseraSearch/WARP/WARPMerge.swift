import TesseraIndex

/// Per-worker state of one query (reused across queries; every touched entry is reset after use).
final class WARPScratch: @unchecked Sendable {
    let documents: Int
    /// Token-level max: best score of the current query token per document (−∞ when untouched).
    let best: UnsafeMutablePointer<Float>
    var touchedByToken: [Int32] = []
    /// Document-level sum (XTR: Σ of max(best, m_i) − m_i; AligneR: numerator).
    let total: UnsafeMutablePointer<Float>
    /// AligneR: denominator, imputed numerator and denominator removed.
    let denominator: UnsafeMutablePointer<Float>
    let removedNumerator: UnsafeMutablePointer<Float>
    let removedDenominator: UnsafeMutablePointer<Float>
    let isCandidate: UnsafeMutablePointer<UInt8>
    /// AligneR top-1: salience of the best posting of the current query token per document.
    let bestSalience: UnsafeMutablePointer<Float>
    var candidates: [Int32] = []
    /// Scores of one cluster's postings.
    var clusterScores: UnsafeMutablePointer<Float>
    var clusterCapacity: Int
    var selection = WARPCentroidSelection()
    var alignmentBuffer: [(document: Int32, score: Float, salience: Float)] = []

    init(documents: Int, largestCluster: Int) {
        self.documents = documents
        let n = max(documents, 1)
        best = .allocate(capacity: n); best.initialize(repeating: -.infinity, count: n)
        total = .allocate(capacity: n); total.initialize(repeating: 0, count: n)
        denominator = .allocate(capacity: n); denominator.initialize(repeating: 0, count: n)
        removedNumerator = .allocate(capacity: n); removedNumerator.initialize(repeating: 0, count: n)
        removedDenominator = .allocate(capacity: n); removedDenominator.initialize(repeating: 0, count: n)
        isCandidate = .allocate(capacity: n); isCandidate.initialize(repeating: 0, count: n)
        bestSalience = .allocate(capacity: n); bestSalience.initialize(repeating: 0, count: n)
        clusterCapacity = max(largestCluster, 1)
        clusterScores = .allocate(capacity: clusterCapacity)
    }

    deinit {
        best.deallocate(); total.deallocate(); denominator.deallocate(); removedNumerator.deallocate()
        removedDenominator.deallocate(); isCandidate.deallocate(); bestSalience.deallocate(); clusterScores.deallocate()
    }

    @inline(__always) func addCandidate(_ doc: Int32) {
        if isCandidate[Int(doc)] == 0 { isCandidate[Int(doc)] = 1; candidates.append(doc) }
    }

    /// XTR token-level max merge of one cluster's scored postings (documents sorted, so the per-document max is
    /// taken while decoding).
    @inline(__always) func maxMerge(documents docs: UnsafePointer<Int32>, scores: UnsafePointer<Float>, count: Int) {
        var t = 0
        while t < count {
            let doc = docs[t]
            var m = scores[t]
            t += 1
            while t < count && docs[t] == doc { m = Swift.max(m, scores[t]); t += 1 }
            let d = Int(doc)
            if best[d] == -.infinity { touchedByToken.append(doc) }
            if m > best[d] { best[d] = m }
        }
    }

    /// XTR document-level sum merge of the current query token (with imputation m_i), resetting `best`.
    @inline(__always) func sumMerge(missing: Float) {
        for doc in touchedByToken {
            let d = Int(doc)
            total[d] += Swift.max(best[d], missing) - missing
            best[d] = -.infinity
            addCandidate(doc)
        }
        touchedByToken.removeAll(keepingCapacity: true)
    }

    /// Adds another worker's document sums into this one and resets it.
    func absorb(_ other: WARPScratch, aligner: Bool) {
        for doc in other.candidates {
            let d = Int(doc)
            total[d] += other.total[d]; other.total[d] = 0
            if aligner {
                denominator[d] += other.denominator[d]; other.denominator[d] = 0
                removedNumerator[d] += other.removedNumerator[d]; other.removedNumerator[d] = 0
                removedDenominator[d] += other.removedDenominator[d]; other.removedDenominator[d] = 0
            }
            other.isCandidate[d] = 0
            addCandidate(doc)
        }
        other.candidates.removeAll(keepingCapacity: true)
    }

    /// Clears the document sums of the candidates.
    func reset() {
        for doc in candidates {
            let d = Int(doc)
            total[d] = 0; denominator[d] = 0; removedNumerator[d] = 0; removedDenominator[d] = 0; isCandidate[d] = 0
        }
        candidates.removeAll(keepingCapacity: true)
    }
}
