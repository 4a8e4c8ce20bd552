import Foundation

/// Why a generated query was dropped.
public enum FilterReason: String, Sendable, CaseIterable {
    /// Nothing left after cleaning.
    case empty
    /// More words or characters than allowed.
    case tooLong = "too_long"
    /// Mostly a verbatim run of the passage's words.
    case copy
    /// Only stopwords, numbers or punctuation.
    case noContentWord = "no_content_word"
    /// The query of one of the prompt's few-shot examples, not one for this passage.
    case exampleCopy = "example_copy"
}

/// The checks a generated query passes before it is relabelled.
public struct QueryFilter: Sendable {
    /// The most words a query may have.
    public var maximumWords = 64
    /// The most characters a query may have.
    public var maximumCharacters = 512
    /// A query of at least `copyMinimumWords` words is a copy when a run of this fraction of its words appears
    /// verbatim (case and punctuation aside) in the passage.
    public var copyFraction = 0.8
    /// Shorter queries are never called copies (a short query naturally repeats the passage's terms).
    public var copyMinimumWords = 5

    /// The default filter.
    public init() {}

    /// Why `query` is dropped for `passage`, or nil when it is kept.
    public func reject(_ query: String, passage: String) -> FilterReason? {
        let trimmed = query.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return .empty }
        let words = Self.words(trimmed)
        if words.isEmpty { return .noContentWord }
        if words.count > maximumWords || trimmed.count > maximumCharacters { return .tooLong }
        if !words.contains(where: { !Self.stopwords.contains($0) && $0.contains(where: \.isLetter) && $0.count > 1 }) {
            return .noContentWord
        }
        if words.count >= copyMinimumWords {
            let run = Self.longestCommonRun(words, Self.words(passage))
            if Double(run) >= copyFraction * Double(words.count) { return .copy }
        }
        return nil
    }

    /// Lower-cased words: runs of letters and digits.
    static func words(_ text: String) -> [String] {
        text.lowercased().split(whereSeparator: { !($0.isLetter || $0.isNumber) }).map(String.init)
    }

    /// The length of the longest run of consecutive words of `a` that also appears consecutively in `b`.
    static func longestCommonRun(_ a: [String], _ b: [String]) -> Int {
        guard !a.isEmpty, !b.isEmpty else { return 0 }
        var previous = [Int](repeating: 0, count: b.count + 1)
        var best = 0
        for i in 1...a.count {
            var current = [Int](repeating: 0, count: b.count + 1)
            for j in 1...b.count where a[i - 1] == b[j - 1] {
                current[j] = previous[j - 1] + 1
                best = max(best, current[j])
            }
            previous = current
        }
        return best
    }

    /// English function words.
    static let stopwords: Set<String> = [
        "a", "an", "the", "and", "or", "but", "if", "then", "of", "to", "in", "on", "at", "by", "for", "with", "about",
        "from", "into", "over", "under", "as", "is", "are", "was", "were", "be", "been", "being", "do", "does", "did",
        "have", "has", "had", "it", "its", "this", "that", "these", "those", "there", "here", "what", "which", "who",
        "whom", "whose", "when", "where", "why", "how", "not", "no", "yes", "so", "than", "too", "very", "can", "could",
        "will", "would", "should", "may", "might", "must", "i", "you", "he", "she", "we", "they", "me", "him", "her",
        "us", "them", "my", "your", "his", "our", "their", "any", "some", "all", "each", "more", "most", "other",
        "such", "only", "own", "same", "just", "query", "passage", "task", "none", "null",
    ]
}
