import TesseraIO

/// Turns text into index terms: Unicode word splitting, lowercasing, stop-word removal, stemming.
///
/// The default, ``english``, mirrors bm25s's `bm25s.tokenize(texts, stopwords="en", stemmer=Stemmer("english"))`,
/// i.e. the token pattern `(?u)\b\w\w+\b` on the lowercased text:
/// - a word is a maximal run of letters (any script), numbers (any kind: `42`, `²³`, `ⅩⅡ`) and underscores; everything
///   else separates words, so apostrophes and hyphens split (`don't` → `don` + `t`, `covid-19` → `covid` + `19`) and
///   words shorter than two characters are dropped (`t`, `7`);
/// - one deliberate difference: combining marks (and ZWJ/ZWNJ) stay inside the word they follow, where Python's `\w`
///   would cut it (Devanagari vowel signs, decomposed accents); measured on SciFact (5,183 documents and 1,109
///   queries) the terms are identical to bm25s's;
/// - lowercasing is Unicode's full mapping (`ẞ` → `ß`, `İ` → `i̇`) with the final-sigma rule, as Python's
///   `str.lower()`;
/// - the 33 English stop words of bm25s (``StopWords/english``) are dropped, compared before stemming;
/// - the rest are stemmed with the Snowball English ("Porter2") stemmer, ``EnglishStemmer``.
///
/// Duplicates are kept: a term occurring twice in a query counts twice, as in bm25s.
public struct TextAnalyzer: Sendable, Equatable {
    /// How words are reduced to terms.
    public enum Stemming: String, Sendable, Equatable {
        /// Words are used as they are.
        case none
        /// Snowball English ("Porter2"), as PyStemmer's `Stemmer("english")`.
        case english
    }

    /// Lowercase before splitting (Unicode full lowercase).
    public var lowercase: Bool
    /// Words dropped before stemming (compared after lowercasing).
    public var stopWords: Set<String>
    /// The stemmer.
    public var stemming: Stemming
    /// Words with fewer characters than this are dropped (bm25s: 2).
    public var minimumWordLength: Int

    /// Makes an analyser.
    public init(lowercase: Bool = true, stopWords: some Sequence<String> = StopWords.english,
                stemming: Stemming = .english, minimumWordLength: Int = 2) {
        self.lowercase = lowercase
        self.stopWords = Set(stopWords)
        self.stemming = stemming
        self.minimumWordLength = max(1, minimumWordLength)
    }

    /// bm25s's English setup: lowercase, its English stop words, Snowball English stemming, words of 2+ characters.
    public static let english = TextAnalyzer()

    /// Calls `body` with each word of `text` that survives stop-word removal, lowercased but not stemmed.
    public func forEachWord(in text: String, _ body: (String) -> Void) {
        WordSplitter.forEachWord(in: text, lowercase: lowercase, minimumLength: minimumWordLength) { bytes in
            let word = String(decoding: bytes, as: UTF8.self)
            if !stopWords.contains(word) { body(word) }
        }
    }

    /// The words of `text` after stop-word removal, before stemming.
    public func words(in text: String) -> [String] {
        var out: [String] = []
        forEachWord(in: text) { out.append($0) }
        return out
    }

    /// The term for one (lowercased, non-stop) word.
    public func stem(_ word: String) -> String {
        switch stemming {
        case .none: return word
        case .english: return EnglishStemmer().stem(word)
        }
    }

    /// The terms of `text`, in order, duplicates kept.
    public func analyze(_ text: String) -> [String] {
        var out: [String] = []
        forEachWord(in: text) { out.append(stem($0)) }
        return out
    }

    // MARK: Persistence

    /// The analyser's settings as stored in an index manifest.
    public var descriptor: JSONValue {
        .object(JSONObject([
            ("splitter", .string(Self.splitterVersion)),
            ("lowercase", .bool(lowercase)),
            ("min_word_length", .number(Double(minimumWordLength))),
            ("stop_words", .array(stopWords.sorted().map { .string($0) })),
            ("stemmer", .string(stemming.rawValue)),
        ]))
    }

    /// The word-splitting rules' identity; bumped if ``WordSplitter`` ever changes what it produces.
    static let splitterVersion = "unicode-words-1"

    /// Rebuilds an analyser from ``descriptor``; `source` names the manifest in errors.
    public init(descriptor: JSONValue, source: String) throws(IndexError) {
        guard let object = descriptor.objectValue else {
            throw IndexError(.invalidManifest, "\(source): analyzer is not an object")
        }
        guard let splitter = object["splitter"]?.stringValue, splitter == Self.splitterVersion else {
            throw IndexError(.invalidManifest,
                             "\(source): analyzer splitter \(object["splitter"].map { String(decoding: JSONWriter.encode($0), as: UTF8.self) } ?? "missing") is not supported (expected \"\(Self.splitterVersion)\")")
        }
        guard let lowercase = object["lowercase"]?.boolValue,
              let minimum = object["min_word_length"]?.intValue, minimum >= 1,
              let stops = object["stop_words"]?.arrayValue,
              let stemmerName = object["stemmer"]?.stringValue else {
            throw IndexError(.invalidManifest, "\(source): analyzer lacks lowercase, min_word_length, stop_words or stemmer")
        }
        guard let stemming = Stemming(rawValue: stemmerName) else {
            throw IndexError(.invalidManifest, "\(source): unknown stemmer \"\(stemmerName)\"")
        }
        var words: [String] = []
        for s in stops {
            guard let w = s.stringValue else { throw IndexError(.invalidManifest, "\(source): stop word is not a string") }
            words.append(w)
        }
        self.init(lowercase: lowercase, stopWords: words, stemming: stemming, minimumWordLength: minimum)
    }
}
