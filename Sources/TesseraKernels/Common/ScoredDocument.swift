/// A document (by its integer id in the index) with a retrieval score; higher is better.
public struct ScoredDocument: Sendable, Equatable {
    /// Position of the document in the index's document store.
    public var document: Int32
    /// The score (inner product, MaxSim, BM25, fused score …).
    public var score: Float

    /// Makes a scored document.
    public init(document: Int32, score: Float) {
        self.document = document
        self.score = score
    }

    /// Ranking order: higher score first, then lower document id (deterministic ties).
    @inlinable
    public static func ranksBefore(_ a: ScoredDocument, _ b: ScoredDocument) -> Bool {
        a.score != b.score ? a.score > b.score : a.document < b.document
    }
}
