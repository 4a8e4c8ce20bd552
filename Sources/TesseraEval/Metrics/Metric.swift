/// A ranking measure at a cutoff `k`, computed as trec_eval computes it.
///
/// | case | name | trec_eval / pytrec_eval |
/// |---|---|---|
/// | ``ndcg(_:)`` | `ndcg@k` | `ndcg_cut.k` |
/// | ``recall(_:)`` | `recall@k` | `recall.k` |
/// | ``precision(_:)`` | `p@k` | `P.k` |
/// | ``map(_:)`` | `map@k` | `map_cut.k` |
/// | ``mrr(_:)`` | `mrr@k` | `recip_rank` on the ranking cut to its top k (as BEIR's `MRR@k`) |
public enum Metric: Hashable, Sendable, CustomStringConvertible {
    /// Normalised discounted cumulative gain: gain = relevance (positive values only), discount
    /// `log2(rank + 1)`, ideal ranking from all judged documents of the query.
    case ndcg(Int)
    /// Relevant documents in the top k over all relevant judged documents (0 when there are none).
    case recall(Int)
    /// Relevant documents in the top k over k (a ranking shorter than k counts the missing ranks as
    /// non-relevant).
    case precision(Int)
    /// Average precision cut at k: the sum of precision at each relevant rank ≤ k over all relevant
    /// judged documents (0 when there are none).
    case map(Int)
    /// Reciprocal rank of the first relevant document within the top k (0 if none).
    case mrr(Int)

    /// The cutoff.
    public var k: Int {
        switch self {
        case let .ndcg(k), let .recall(k), let .precision(k), let .map(k), let .mrr(k): return k
        }
    }

    /// The family name without the cutoff: `ndcg`, `recall`, `p`, `map`, `mrr`.
    public var family: String {
        switch self {
        case .ndcg: return "ndcg"
        case .recall: return "recall"
        case .precision: return "p"
        case .map: return "map"
        case .mrr: return "mrr"
        }
    }

    /// The name used by `tessera eval --json`: `ndcg@10`, `recall@100`, `p@10`, `map@100`, `mrr@10`.
    public var name: String { "\(family)@\(k)" }

    /// The name of the matching pytrec_eval output (`ndcg_cut_10`, `recall_100`, `P_10`, `map_cut_100`);
    /// for ``mrr(_:)``, `recip_rank` computed on the cut ranking.
    public var trecName: String {
        switch self {
        case let .ndcg(k): return "ndcg_cut_\(k)"
        case let .recall(k): return "recall_\(k)"
        case let .precision(k): return "P_\(k)"
        case let .map(k): return "map_cut_\(k)"
        case .mrr: return "recip_rank"
        }
    }

    /// Same as ``name``.
    public var description: String { name }

    /// Parses a ``name`` such as `ndcg@10` (family case-insensitive, `P@10` accepted); nil if malformed
    /// or if k < 1.
    public init?(name: String) {
        let parts = name.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[1]), k >= 1 else { return nil }
        switch parts[0].lowercased() {
        case "ndcg": self = .ndcg(k)
        case "recall": self = .recall(k)
        case "p", "precision": self = .precision(k)
        case "map": self = .map(k)
        case "mrr": self = .mrr(k)
        default: return nil
        }
    }

    /// The five families at one cutoff, in the order ndcg, recall, mrr, map, p.
    public static func all(at k: Int) -> [Metric] {
        [.ndcg(k), .recall(k), .mrr(k), .map(k), .precision(k)]
    }

    /// The measures `tessera eval` reports: nDCG@10, Recall@100, MRR@10, MAP@100, P@10.
    public static let standard: [Metric] = [.ndcg(10), .recall(100), .mrr(10), .map(100), .precision(10)]
}
