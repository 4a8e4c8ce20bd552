/// Scores runs against qrels with trec_eval's rules (as pytrec_eval runs them).
///
/// - Ranking: documents sorted by score descending, ties by document id in descending byte order; the
///   order in which a ranking lists its documents (and a file's rank column) is ignored. A document
///   listed twice for a query keeps its highest score (trec_eval refuses such runs; see
///   ``TRECRun/DuplicatePolicy``).
/// - Which queries: those of the run that have at least one judgment. Run queries without judgments are
///   skipped; judged queries absent from the run are skipped too (trec_eval without `-c`, and
///   pytrec_eval), unless `countMissingQueries` is set (trec_eval `-c`), which scores them as empty
///   rankings (every measure 0). A query present with an empty ranking is evaluated (all 0).
/// - Means are arithmetic means over exactly the evaluated queries.
public struct Evaluator: Sendable {
    /// The judgments.
    public let qrels: Qrels
    /// Relevance ≥ this value counts as relevant for recall, precision, MAP and MRR (trec_eval `-l`,
    /// default 1). nDCG always uses every positive relevance as gain.
    public let relevanceLevel: Int

    /// Makes an evaluator.
    public init(qrels: Qrels, relevanceLevel: Int = 1) {
        self.qrels = qrels
        self.relevanceLevel = relevanceLevel
    }

    /// The measures of one query, or nil when the query has no judgments.
    public func evaluate(query: String, ranking: Ranking, metrics: [Metric]) -> [Metric: Double]? {
        guard let judgments = qrels[query] else { return nil }
        let judged = JudgedRanking(ranking: ranking, judgments: judgments, relevanceLevel: relevanceLevel)
        var values: [Metric: Double] = [:]
        for metric in metrics { values[metric] = judged.value(metric) }
        return values
    }

    /// Evaluates every query of `run` that has judgments.
    ///
    /// - Parameters:
    ///   - run: query id → ranking.
    ///   - metrics: the measures; every cutoff must be ≥ 1.
    ///   - countMissingQueries: score judged queries that are absent from the run as empty rankings
    ///     (trec_eval `-c`) instead of skipping them.
    public func evaluate(_ run: Run, metrics: [Metric], countMissingQueries: Bool = false) -> Evaluation {
        precondition(metrics.allSatisfy { $0.k >= 1 }, "metric cutoffs must be at least 1")
        var perQuery: [String: [Metric: Double]] = [:]
        var unjudged: [String] = []
        for (query, ranking) in run {
            if let values = evaluate(query: query, ranking: ranking, metrics: metrics) {
                perQuery[query] = values
            } else {
                unjudged.append(query)
            }
        }
        var missing: [String] = []
        for query in qrels.queryIDs where run[query] == nil && qrels[query] != nil {
            missing.append(query)
            if countMissingQueries {
                perQuery[query] = evaluate(query: query, ranking: [], metrics: metrics)
            }
        }
        let queries = perQuery.keys.sorted(by: utf8Less)
        var means: [Metric: Double] = [:]
        if !queries.isEmpty {
            for metric in metrics {
                var sum = 0.0
                for q in queries { sum += perQuery[q]![metric]! }
                means[metric] = sum / Double(queries.count)
            }
        }
        return Evaluation(metrics: metrics, queryIDs: queries, perQuery: perQuery, means: means,
                          unjudgedRunQueries: unjudged.sorted(by: utf8Less), missingQueries: missing,
                          countedMissingQueries: countMissingQueries)
    }
}

/// The result of ``Evaluator/evaluate(_:metrics:countMissingQueries:)``.
public struct Evaluation: Sendable {
    /// The measures, in the order asked.
    public let metrics: [Metric]
    /// The evaluated queries, sorted by UTF-8 bytes.
    public let queryIDs: [String]
    /// query id → measure → value.
    public let perQuery: [String: [Metric: Double]]
    /// measure → mean over ``queryIDs``; empty when no query was evaluated.
    public let means: [Metric: Double]
    /// Queries of the run without judgments: not evaluated.
    public let unjudgedRunQueries: [String]
    /// Judged queries absent from the run, in qrels order: skipped, or scored 0 when
    /// ``countedMissingQueries``.
    public let missingQueries: [String]
    /// Whether ``missingQueries`` were scored as empty rankings.
    public let countedMissingQueries: Bool

    /// The number of evaluated queries.
    public var queryCount: Int { queryIDs.count }

    /// The mean of `metric`, or nil if it was not computed or no query was evaluated.
    public func mean(_ metric: Metric) -> Double? { means[metric] }

    /// One query's value of `metric`.
    public func value(_ metric: Metric, query: String) -> Double? { perQuery[query]?[metric] }

    /// Short notes on skipped queries, one line each (empty when nothing was skipped).
    public var warnings: [String] {
        var out: [String] = []
        func sample(_ ids: [String]) -> String {
            let shown = ids.prefix(5).map { Fields.quoted($0) }.joined(separator: ", ")
            return ids.count > 5 ? shown + ", …" : shown
        }
        if !unjudgedRunQueries.isEmpty {
            out.append("\(unjudgedRunQueries.count) run quer\(unjudgedRunQueries.count == 1 ? "y has" : "ies have") no judgments and \(unjudgedRunQueries.count == 1 ? "is" : "are") not evaluated (\(sample(unjudgedRunQueries)))")
        }
        if !missingQueries.isEmpty {
            let what = countedMissingQueries ? "counted with every measure 0" : "not counted in the means"
            out.append("\(missingQueries.count) judged quer\(missingQueries.count == 1 ? "y has" : "ies have") no results in the run and \(missingQueries.count == 1 ? "is" : "are") \(what) (\(sample(missingQueries)))")
        }
        return out
    }
}
