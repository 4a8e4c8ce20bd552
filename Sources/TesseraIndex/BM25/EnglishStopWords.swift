/// Stop-word lists for the analyser.
public enum StopWords {
    /// The English stop words that bm25s uses for `stopwords="en"` (the 33-word list of Lucene's
    /// `EnglishAnalyzer`), so BM25 results are comparable with bm25s. Matched against lowercased words before
    /// stemming.
    public static let english: [String] = [
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no", "not",
        "of", "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this", "to", "was",
        "will", "with",
    ]
}
