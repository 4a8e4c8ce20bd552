/// How to shorten a pair (or a single sequence) that is too long. Always cuts at the end (right).
public enum TruncationStrategy: Sendable, Equatable {
    /// Cut the longer sequence first (HF `LongestFirst`): with `n1` the shorter length and `L` the budget,
    /// if `n1 ≤ L/2` the longer is cut to `L − n1`, otherwise the shorter gets `⌊L/2⌋` and the longer
    /// `⌊L/2⌋ + L%2`.
    case longestFirst
    /// Cut only the first sequence; fails if it is too short to absorb the excess.
    case onlyFirst
    /// Cut only the second sequence; fails if it is too short or absent.
    case onlySecond
}

/// Truncation parameters, as in `tokenizer.json`'s `truncation` (direction is always right).
public struct Truncation: Sendable, Equatable {
    /// The maximum number of tokens, special tokens included.
    public var maxLength: Int
    /// Which sequence to cut.
    public var strategy: TruncationStrategy
    /// Overlap of overflow windows. Overflowing windows are not produced, so the stride does not change the
    /// returned encoding; like HF it must be smaller than `maxLength` minus the special tokens.
    public var stride: Int

    /// Creates truncation parameters.
    public init(maxLength: Int, strategy: TruncationStrategy = .longestFirst, stride: Int = 0) {
        self.maxLength = maxLength
        self.strategy = strategy
        self.stride = stride
    }
}

extension Truncation {
    /// Cuts `first`/`second` (wordpieces, before special tokens) so that together they fit in `budget`.
    func apply(budget: Int, _ first: inout SequenceTokens, _ second: inout SequenceTokens?) throws(TokenizerError) {
        if budget == 0 {
            first.truncate(to: 0)
            second?.truncate(to: 0)
            return
        }
        let total = first.count + (second?.count ?? 0)
        guard total > budget else { return }
        let toRemove = total - budget
        switch strategy {
        case .longestFirst:
            if var other = second {
                let swapped = first.count > other.count
                let shorter = min(first.count, other.count)
                var keepShort: Int
                var keepLong: Int
                if shorter > budget / 2 {
                    keepShort = budget / 2
                    keepLong = keepShort + budget % 2
                } else {
                    keepShort = shorter
                    keepLong = budget - shorter
                }
                if swapped { swap(&keepShort, &keepLong) }
                first.truncate(to: keepShort)
                other.truncate(to: keepLong)
                second = other
            } else {
                first.truncate(to: total - toRemove)
            }
        case .onlyFirst:
            guard first.count > toRemove else { throw Self.tooShort }
            first.truncate(to: first.count - toRemove)
        case .onlySecond:
            guard var other = second else {
                throw TokenizerError(.truncation, "truncation error: second sequence not provided")
            }
            guard other.count > toRemove else { throw Self.tooShort }
            other.truncate(to: other.count - toRemove)
            second = other
        }
    }

    static let tooShort = TokenizerError(
        .truncation, "truncation error: sequence to truncate too short to respect the provided max_length")
}
