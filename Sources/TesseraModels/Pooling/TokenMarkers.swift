import Foundation
import TesseraIO

/// What a PyLate folder's `config_sentence_transformers.json` says about encoding queries and documents token by
/// token: ColBERT's marker tokens (`query_prefix`, `document_prefix`, inserted after `[CLS]`), query expansion (queries
/// padded to `query_length` with `[MASK]`), and the token budgets.
///
/// A folder without these keys (any sentence-transformers or transformers model) has no markers and no expansion:
/// every multi-vector path encodes the text as it is. Tessera writes the keys with markers off (`""`, `false`) for the
/// models it trains, so that PyLate loads them the same way.
public struct TokenMarkers: Sendable, Equatable {
    /// The query marker token (`""`: none).
    public var queryPrefix: String
    /// The document marker token (`""`: none).
    public var documentPrefix: String
    /// Query token budget (PyLate's `query_length`), if the folder sets one.
    public var queryLength: Int?
    /// Document token budget (PyLate's `document_length`), if the folder sets one.
    public var documentLength: Int?
    /// Whether queries are padded to `query_length` with `[MASK]` tokens.
    public var queryExpansion: Bool
    /// Whether the other query tokens attend to the expansion tokens.
    public var attendToExpansion: Bool
    /// Words whose tokens PyLate drops from documents' vectors (`skiplist_words`; its default, when a PyLate folder does
    /// not say, is every ASCII punctuation character).
    public var skiplistWords: [String] = []

    /// No markers, no expansion.
    public static let none = TokenMarkers(queryPrefix: "", documentPrefix: "", queryLength: nil, documentLength: nil,
                                          queryExpansion: false, attendToExpansion: false)

    /// Makes settings.
    public init(queryPrefix: String, documentPrefix: String, queryLength: Int?, documentLength: Int?, queryExpansion: Bool,
                attendToExpansion: Bool) {
        self.queryPrefix = queryPrefix
        self.documentPrefix = documentPrefix
        self.queryLength = queryLength
        self.documentLength = documentLength
        self.queryExpansion = queryExpansion
        self.attendToExpansion = attendToExpansion
    }

    /// Whether any marker or expansion is on.
    public var isActive: Bool { !queryPrefix.isEmpty || !documentPrefix.isEmpty || queryExpansion }

    /// The settings of the folder at `folder`. A PyLate folder (one whose `config_sentence_transformers.json` has a
    /// `query_prefix` or `document_prefix`) without some key gets PyLate's default for it (`[Q] `, `[D] `, expansion on).
    public init(folder: String) throws(ModelError) {
        let path = folder + "/config_sentence_transformers.json"
        guard FileManager.default.fileExists(atPath: path) else { self = .none; return }
        guard let o = try SentenceTransformerConfig.readJSON(path).objectValue else {
            throw ModelError(.invalidConfig, "\(path): not a JSON object")
        }
        guard o["query_prefix"] != nil || o["document_prefix"] != nil else { self = .none; return }
        func string(_ key: String, _ fallback: String) throws(ModelError) -> String {
            guard let value = o[key], !value.isNull else { return fallback }
            guard let s = value.stringValue else { throw ModelError(.invalidConfig, "\(path): \(key) must be a string") }
            return s
        }
        func length(_ key: String) throws(ModelError) -> Int? {
            guard let value = o[key], !value.isNull else { return nil }
            guard let n = value.intValue, n >= 3 else { throw ModelError(.invalidConfig, "\(path): \(key) must be an integer ≥ 3") }
            return n
        }
        let expansion = o["do_query_expansion"]?.boolValue ?? true
        self.init(queryPrefix: try string("query_prefix", "[Q] "), documentPrefix: try string("document_prefix", "[D] "),
                  queryLength: try length("query_length"), documentLength: try length("document_length"),
                  queryExpansion: expansion, attendToExpansion: expansion && (o["attend_to_expansion_tokens"]?.boolValue ?? false))
        if let words = o["skiplist_words"], !words.isNull {
            guard let list = words.arrayValue?.compactMap(\.stringValue), list.count == words.arrayValue?.count else {
                throw ModelError(.invalidConfig, "\(path): skiplist_words must be a list of strings")
            }
            skiplistWords = list
        } else {
            skiplistWords = Self.punctuation
        }
    }

    /// PyLate's default skiplist: Python's `string.punctuation`, one character each.
    public static let punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~".map(String.init)

    /// The keys PyLate reads, as Tessera writes them for a model it trained without markers, with the token budgets it
    /// trained with.
    public static func pyLateKeys(queryLength: Int, documentLength: Int) -> [(key: String, value: JSONValue)] {
        [("query_prefix", .string("")), ("document_prefix", .string("")), ("query_length", .number(Double(queryLength))),
         ("document_length", .number(Double(documentLength))), ("attend_to_expansion_tokens", .bool(false)),
         ("skiplist_words", .array([])), ("do_query_expansion", .bool(false)), ("similarity_fn_name", .string("MaxSim"))]
    }
}
