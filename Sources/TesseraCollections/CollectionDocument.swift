import TesseraIO

/// A document of a collection: an external id, an optional title, the text.
public struct CollectionDocument: Sendable, Equatable {
    /// The caller's id (non-empty, unique within the collection).
    public var id: String
    /// The title (encoded as `title + " " + text`, as BEIR corpora are).
    public var title: String?
    /// The text (non-empty).
    public var text: String

    /// Makes a document.
    public init(id: String, title: String? = nil, text: String) {
        self.id = id
        self.title = title
        self.text = text
    }

    /// The document as an ingest record.
    var record: TextRecord { TextRecord(id: id, title: title, text: text, line: 0) }
}

/// One search result of a collection.
public struct CollectionHit: Sendable, Equatable {
    /// The document's id.
    public var id: String
    /// Its score in the searched mode (comparable within one search).
    public var score: Float
    /// Its title, if it has one.
    public var title: String?
    /// Its text.
    public var text: String
}

/// The index kinds a collection may keep.
public enum CollectionIndex: String, Sendable, CaseIterable, Comparable {
    /// Pooled vectors with an HNSW graph (modes `dense`, `dense-exact`).
    case dense
    /// Compressed token vectors read by the WARP engine (modes `xtr`, `aligner`).
    case tokens
    /// BM25 postings (mode `bm25`).
    case bm25

    public static func < (a: CollectionIndex, b: CollectionIndex) -> Bool {
        allCases.firstIndex(of: a) ?? 0 < allCases.firstIndex(of: b) ?? 0
    }

    /// Whether the index needs the model.
    var needsModel: Bool { self != .bm25 }
}
