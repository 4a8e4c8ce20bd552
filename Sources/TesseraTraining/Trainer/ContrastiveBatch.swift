import TesseraModels

/// One training batch, tokenized: B queries, their B positives and, for every query, the same number of hard
/// negatives. Its rows (as the loss sees them) are the queries, then the positives, then each query's negatives.
public struct ContrastiveBatch: Sendable {
    /// The queries.
    public var queries: [EncoderInput]
    /// One positive per query.
    public var positives: [EncoderInput]
    /// `negatives[i]`: query i's hard negatives (the same count for every query).
    public var negatives: [[EncoderInput]]

    /// Makes a batch; throws if the counts disagree.
    public init(queries: [EncoderInput], positives: [EncoderInput], negatives: [[EncoderInput]]) throws(TrainingError) {
        guard !queries.isEmpty, queries.count == positives.count else {
            throw TrainingError(.invalidData, "a batch needs as many positives as queries (\(queries.count) queries, \(positives.count) positives)")
        }
        let n = negatives.first?.count ?? 0
        guard negatives.isEmpty || (negatives.count == queries.count && negatives.allSatisfy { $0.count == n }) else {
            throw TrainingError(.invalidData, "every query of a batch needs the same number of hard negatives")
        }
        self.queries = queries
        self.positives = positives
        self.negatives = negatives
    }

    /// Hard negatives per query.
    public var negativesPerQuery: Int { negatives.first?.count ?? 0 }

    /// Every sequence in row order.
    public var rows: [EncoderInput] { queries + positives + negatives.flatMap { $0 } }
}
