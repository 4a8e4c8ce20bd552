import TesseraIO

/// A neighbour of a generated query, with the LLM's two scores and its ranks.
public struct Candidate: Sendable, Equatable {
    /// The corpus position of the passage.
    public var document: Int
    /// Its rank in the retriever's list (1-based), nil for the seed passage added because the retriever missed it.
    public var retrievalRank: Int?
    /// The retriever's score.
    public var retrievalScore: Float?
    /// log P(query | passage), when the server gives prompt log-probabilities.
    public var queryLikelihood: Double?
    /// The query tokens QL covers.
    public var queryLikelihoodTokens: Int?
    /// Of those, the tokens whose value is an estimate (see `QueryLikelihood.Score`).
    public var queryLikelihoodEstimated: Int?
    /// P(yes) / (P(yes) + P(no)), when the server gives answer log-probabilities.
    public var relevance: Double?
    /// P(yes) and P(no) as the server gave them.
    public var yes: Double?
    /// See `yes`.
    public var no: Double?
    /// The rank by QL (1-based).
    public var rankQL: Int?
    /// The rank by RC (1-based).
    public var rankRC: Int?
    /// R = 1/rank_QL + 1/rank_RC (the terms that exist).
    public var fused = 0.0

    /// A candidate before scoring.
    public init(document: Int, retrievalRank: Int?, retrievalScore: Float?) {
        self.document = document
        self.retrievalRank = retrievalRank
        self.retrievalScore = retrievalScore
    }
}

/// Which candidate becomes the hard negative.
public enum NegativeSelection: Sendable, Equatable {
    /// The candidate at this fused rank (1-based; the last one when the list is shorter).
    case rank(Int)
    /// The last candidate by fused rank.
    case lowest
    /// A seeded random candidate other than the positive.
    case random

    /// `rank`, `lowest` or `random` (with the rank from `--negative-rank`).
    public init(name: String, rank: Int) throws(DistillError) {
        switch name {
        case "rank": self = .rank(rank)
        case "lowest": self = .lowest
        case "random": self = .random
        default: throw DistillError(.invalidArgument, "the negative selection must be rank, lowest or random, not \(name)")
        }
    }

    /// The name written to the metadata.
    public var name: String {
        switch self {
        case .rank(let r): return "rank:\(r)"
        case .lowest: return "lowest"
        case .random: return "random"
        }
    }
}

/// FRet's fusion of the two LLM rankings.
public enum RankFusion {
    /// Fills in the ranks and fused score of every candidate and returns them best first: ranks by QL and by RC
    /// (higher first, ties by retrieval order), R = 1/rank_QL + 1/rank_RC over the scores that exist, ties by retrieval
    /// order (the seed passage, when added, last among equals).
    public static func fuse(_ candidates: [Candidate]) -> [Candidate] {
        var out = candidates
        func order(_ i: Int) -> Int { out[i].retrievalRank ?? Int.max }
        func assign(_ value: (Candidate) -> Double?, _ set: (inout Candidate, Int) -> Void) {
            let scored = out.indices.filter { value(out[$0]) != nil }
            let sorted = scored.sorted { a, b in
                let x = value(out[a]) ?? 0, y = value(out[b]) ?? 0
                return x != y ? x > y : order(a) < order(b)
            }
            for (rank, i) in sorted.enumerated() { set(&out[i], rank + 1) }
        }
        assign({ $0.queryLikelihood }) { $0.rankQL = $1 }
        assign({ $0.relevance }) { $0.rankRC = $1 }
        for i in out.indices {
            out[i].fused = (out[i].rankQL.map { 1 / Double($0) } ?? 0) + (out[i].rankRC.map { 1 / Double($0) } ?? 0)
        }
        let ranked = out.indices.sorted { a, b in
            out[a].fused != out[b].fused ? out[a].fused > out[b].fused : order(a) < order(b)
        }
        return ranked.map { out[$0] }
    }

    /// The position (in the fused list) of the hard negative, or nil when the list has no candidate besides the positive.
    public static func negative(in count: Int, selection: NegativeSelection, random: inout some RandomNumberGenerator) -> Int? {
        guard count >= 2 else { return nil }
        switch selection {
        case .rank(let rank): return min(max(rank, 2), count) - 1
        case .lowest: return count - 1
        case .random: return Int.random(in: 1..<count, using: &random)
        }
    }
}
