import Foundation

/// One query's ranking joined with its judgments, the way trec_eval's `form_res_rels` prepares it.
///
/// Documents are ordered by score descending, ties broken by document id in descending byte order
/// (`strcmp`); a document listed twice keeps its highest score. Each rank then carries the document's
/// relevance: the judged value when it is ≥ 0, ``notJudged`` when the qrels do not mention it, and
/// ``judgedNegative`` when the qrels give it a negative value. Both negative markers count as
/// non-relevant and gain nothing.
public struct JudgedRanking: Sendable {
    /// Relevance of a retrieved document that the qrels do not mention (trec_eval's `RELVALUE_NONPOOL`).
    public static let notJudged = -1
    /// Relevance of a retrieved document judged with a negative value (trec_eval's `RELVALUE_UNJUDGED`).
    public static let judgedNegative = -2

    /// Relevance at each rank (index 0 is rank 1).
    public let relevances: [Int]
    /// Positive relevance values of all judged documents, largest first: the ideal ranking's gains.
    public let idealGains: [Int]
    /// Judged documents with relevance ≥ the relevance level (the denominator of recall and MAP).
    public let relevantCount: Int
    /// The relevance level: binary measures count relevance ≥ this value as relevant.
    public let relevanceLevel: Int

    /// Joins `ranking` with `judgments`.
    public init(ranking: Ranking, judgments: [String: Int], relevanceLevel: Int = 1) {
        self.relevanceLevel = relevanceLevel
        let ordered = JudgedRanking.order(ranking)
        relevances = ordered.map { entry -> Int in
            guard let rel = judgments[entry.docID] else { return JudgedRanking.notJudged }
            return rel >= 0 ? rel : JudgedRanking.judgedNegative
        }
        var gains: [Int] = []
        var relevant = 0
        for rel in judgments.values where rel >= 0 {
            if rel > 0 { gains.append(rel) }
            if rel >= relevanceLevel { relevant += 1 }
        }
        gains.sort(by: >)
        idealGains = gains
        relevantCount = relevant
    }

    /// The ranking deduplicated (highest score kept) and sorted in trec_eval's order.
    public static func order(_ ranking: Ranking) -> Ranking {
        var seen: [String: Int] = [:]
        seen.reserveCapacity(ranking.count)
        var unique: Ranking = []
        unique.reserveCapacity(ranking.count)
        for entry in ranking {
            if let i = seen[entry.docID] {
                if entry.score > unique[i].score || (unique[i].score.isNaN && !entry.score.isNaN) {
                    unique[i].score = entry.score
                }
            } else {
                seen[entry.docID] = unique.count
                unique.append(entry)
            }
        }
        unique.sort(by: evaluationOrder)
        return unique
    }

    /// The number of ranked documents.
    public var count: Int { relevances.count }

    @inline(__always) private func isRelevant(_ rel: Int) -> Bool { rel >= relevanceLevel }

    /// trec_eval `ndcg_cut.k`: DCG of the top k (gain = positive relevance, `gain / log2(i + 2)` at
    /// 0-based rank i) over the DCG of the ideal top k; 0 when the query has no positive judgment.
    public func ndcg(at k: Int) -> Double {
        var dcg = 0.0
        for i in 0..<min(k, relevances.count) {
            let gain = relevances[i]
            if gain > 0 { dcg += Double(gain) / log2(Double(i + 2)) }
        }
        var ideal = 0.0
        for i in 0..<min(k, idealGains.count) {
            ideal += Double(idealGains[i]) / log2(Double(i + 2))
        }
        return ideal > 0 ? dcg / ideal : dcg
    }

    /// Relevant documents among the top k.
    public func relevantRetrieved(at k: Int) -> Int {
        var found = 0
        for i in 0..<min(k, relevances.count) where isRelevant(relevances[i]) { found += 1 }
        return found
    }

    /// trec_eval `recall.k`: relevant in the top k over all relevant; 0 when there are none.
    public func recall(at k: Int) -> Double {
        guard relevantCount > 0 else { return 0 }
        return Double(relevantRetrieved(at: k)) / Double(relevantCount)
    }

    /// trec_eval `P.k`: relevant in the top k over k.
    public func precision(at k: Int) -> Double {
        Double(relevantRetrieved(at: k)) / Double(k)
    }

    /// trec_eval `map_cut.k`: sum of precision at each relevant rank ≤ k over all relevant; 0 when
    /// there are none.
    public func averagePrecision(at k: Int) -> Double {
        guard relevantCount > 0 else { return 0 }
        var found = 0
        var sum = 0.0
        for i in 0..<min(k, relevances.count) where isRelevant(relevances[i]) {
            found += 1
            sum += Double(found) / Double(i + 1)
        }
        return sum / Double(relevantCount)
    }

    /// Reciprocal rank of the first relevant document within the top k (trec_eval `recip_rank` on the
    /// ranking cut to k); 0 if there is none.
    public func reciprocalRank(at k: Int) -> Double {
        for i in 0..<min(k, relevances.count) where isRelevant(relevances[i]) {
            return 1.0 / Double(i + 1)
        }
        return 0
    }

    /// The value of `metric`.
    public func value(_ metric: Metric) -> Double {
        switch metric {
        case let .ndcg(k): return ndcg(at: k)
        case let .recall(k): return recall(at: k)
        case let .precision(k): return precision(at: k)
        case let .map(k): return averagePrecision(at: k)
        case let .mrr(k): return reciprocalRank(at: k)
        }
    }
}
