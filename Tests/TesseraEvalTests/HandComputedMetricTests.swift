import Foundation
import Testing
@testable import TesseraEval

/// One query worked by hand.
///
/// Run: d1 3.0, d2 2.0, d3 2.0, d4 1.0 — d2 and d3 tie, and trec_eval breaks ties by document id in
/// descending byte order, so the ranking is d1, d3, d2, d4.
/// Qrels: d1 0, d2 2, d4 1, d5 1 (d5 not retrieved); d3 is unjudged.
/// Relevance by rank: 0, unjudged, 2, 1. Relevant (≥ 1): d2, d4, d5, so R = 3.
struct HandComputedMetricTests {
    let judged = JudgedRanking(
        ranking: [("d1", 3.0), ("d2", 2.0), ("d3", 2.0), ("d4", 1.0)],
        judgments: ["d1": 0, "d2": 2, "d4": 1, "d5": 1])

    @Test func tiesAreBrokenByDescendingDocumentID() {
        #expect(JudgedRanking.order([("d1", 3.0), ("d2", 2.0), ("d3", 2.0), ("d4", 1.0)]).map(\.docID) == ["d1", "d3", "d2", "d4"])
        #expect(judged.relevances == [0, JudgedRanking.notJudged, 2, 1])
        #expect(judged.relevantCount == 3)
        #expect(judged.idealGains == [2, 1, 1])
        // byte order, not Unicode-aware or case-insensitive: "é" (0xC3…) > "z" > "a" > "Z"
        #expect(JudgedRanking.order([("Z", 1), ("a", 1), ("é", 1), ("z", 1)]).map(\.docID) == ["é", "z", "a", "Z"])
    }

    @Test func ndcg() {
        // gain / log2(rank + 1): d2 (gain 2) at rank 3, d4 (gain 1) at rank 4; ideal gains 2, 1, 1.
        #expect(judged.ndcg(at: 1) == 0)
        let idcg3 = 2.0 + 1 / log2(3.0) + 1 / log2(4.0)
        #expect(abs(judged.ndcg(at: 3) - (2 / log2(4.0)) / idcg3) < 1e-15)
        #expect(abs(judged.ndcg(at: 4) - (2 / log2(4.0) + 1 / log2(5.0)) / idcg3) < 1e-15)
        // ideal at k = 2 holds only the two best gains
        #expect(judged.ndcg(at: 2) == 0)
        let two = JudgedRanking(ranking: [("d4", 1), ("d2", 0.5)], judgments: ["d1": 0, "d2": 2, "d4": 1, "d5": 1])
        #expect(abs(two.ndcg(at: 2) - (1 + 2 / log2(3.0)) / (2 + 1 / log2(3.0))) < 1e-15)
    }

    @Test func recall() {
        #expect(judged.recall(at: 2) == 0)
        #expect(abs(judged.recall(at: 3) - 1.0 / 3) < 1e-15)
        #expect(abs(judged.recall(at: 10) - 2.0 / 3) < 1e-15)
    }

    @Test func precision() {
        #expect(judged.precision(at: 1) == 0)
        #expect(abs(judged.precision(at: 3) - 1.0 / 3) < 1e-15)
        #expect(judged.precision(at: 4) == 0.5)
        // missing ranks count as non-relevant: 2 relevant in 4 retrieved, P@10 = 2/10
        #expect(judged.precision(at: 10) == 0.2)
    }

    @Test func averagePrecision() {
        // precision at the relevant ranks 3 and 4 (1/3 and 2/4), over R = 3
        #expect(judged.averagePrecision(at: 2) == 0)
        #expect(abs(judged.averagePrecision(at: 3) - (1.0 / 3) / 3) < 1e-15)
        #expect(abs(judged.averagePrecision(at: 100) - (1.0 / 3 + 2.0 / 4) / 3) < 1e-15)
    }

    @Test func reciprocalRank() {
        #expect(judged.reciprocalRank(at: 2) == 0)
        #expect(abs(judged.reciprocalRank(at: 3) - 1.0 / 3) < 1e-15)
        #expect(abs(judged.reciprocalRank(at: 10) - 1.0 / 3) < 1e-15)
    }

    @Test func relevanceLevelAndNegativeJudgments() {
        // level 2: only d2 is relevant for the binary measures; nDCG still uses every positive gain
        let strict = JudgedRanking(ranking: [("d1", 3.0), ("d2", 2.0), ("d3", 2.0), ("d4", 1.0)],
                                   judgments: ["d1": 0, "d2": 2, "d4": 1, "d5": 1], relevanceLevel: 2)
        #expect(strict.relevantCount == 1)
        #expect(strict.recall(at: 3) == 1)
        #expect(strict.reciprocalRank(at: 10) == 1.0 / 3)
        #expect(strict.ndcg(at: 4) == judged.ndcg(at: 4))
        // a negative judgment is neither relevant nor a gain, and does not enter the ideal ranking
        let negative = JudgedRanking(ranking: [("a", 2), ("b", 1)], judgments: ["a": -1, "b": 1])
        #expect(negative.relevances == [JudgedRanking.judgedNegative, 1])
        #expect(negative.relevantCount == 1)
        #expect(abs(negative.ndcg(at: 10) - 1 / log2(3.0)) < 1e-15)
        #expect(negative.averagePrecision(at: 10) == 0.5)
    }

    @Test func duplicatesKeepTheHighestScore() {
        let dup = JudgedRanking(ranking: [("a", 1), ("b", 2), ("a", 3), ("a", 0)], judgments: ["a": 1])
        #expect(dup.relevances == [1, JudgedRanking.notJudged])
        #expect(dup.reciprocalRank(at: 1) == 1)
    }

    @Test func queriesWithoutRelevantDocumentsAndEmptyRankings() {
        let none = JudgedRanking(ranking: [("a", 1)], judgments: ["a": 0, "b": 0])
        for metric in Metric.all(at: 10) { #expect(none.value(metric) == 0) }
        let empty = JudgedRanking(ranking: [], judgments: ["a": 1])
        for metric in Metric.all(at: 10) { #expect(empty.value(metric) == 0) }
    }

    @Test func evaluatorSkipsAndCountsQueries() {
        let qrels = Qrels(["q1": ["a": 1], "q2": ["b": 1], "q3": [:], "q4": ["c": 1]])
        let run: Run = ["q1": [("a", 1)], "q2": [], "q3": [("x", 1)], "q5": [("a", 1)]]
        let evaluator = Evaluator(qrels: qrels)
        let result = evaluator.evaluate(run, metrics: [.mrr(10)])
        // q1 (1.0) and q2 (empty ranking, 0); q3 has no judgments, q5 none either; q4 is not in the run
        #expect(result.queryIDs == ["q1", "q2"])
        #expect(result.mean(.mrr(10)) == 0.5)
        #expect(result.unjudgedRunQueries == ["q3", "q5"])
        #expect(result.missingQueries == ["q4"])
        #expect(result.warnings.count == 2)
        let complete = evaluator.evaluate(run, metrics: [.mrr(10)], countMissingQueries: true)
        #expect(complete.queryIDs == ["q1", "q2", "q4"])
        #expect(complete.mean(.mrr(10)) == 1.0 / 3)
        #expect(evaluator.evaluate([:], metrics: [.mrr(10)]).means.isEmpty)
    }

    @Test func metricNames() {
        #expect(Metric.standard.map(\.name) == ["ndcg@10", "recall@100", "mrr@10", "map@100", "p@10"])
        #expect(Metric(name: "P@5") == .precision(5))
        #expect(Metric(name: "ndcg@0") == nil)
        #expect(Metric(name: "ndcg") == nil)
        #expect(Metric.ndcg(10).trecName == "ndcg_cut_10")
    }
}
