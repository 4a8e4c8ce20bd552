import TesseraIndex
import TesseraSearch

extension CollectionDocument: IdentifiedRow {}

/// What one collection search may set, as a whole: the mode, the per-query parameters, and for `.hybrid` the two
/// modes fused.
public struct CollectionSearchParameters: Sendable {
    /// The retrieval mode (one the collection's indexes serve, or `.hybrid`).
    public var mode: SearchMode
    /// Per-query settings (nil: the collection options' defaults).
    public var search: SearchParameters?
    /// For `.hybrid`: the two modes fused (nil: the collection options' pair).
    public var hybrid: (first: SearchMode, second: SearchMode)?

    /// Makes parameters.
    public init(mode: SearchMode, search: SearchParameters? = nil, hybrid: (first: SearchMode, second: SearchMode)? = nil) {
        self.mode = mode
        self.search = search
        self.hybrid = hybrid
    }
}

/// A collection is the durable ``MutableIndex``: its writes are logged and synced before they return, its rows are
/// documents (text, encoded by the collection's model), its queries text.
extension DocumentCollection: MutableIndex {
    /// Opens the collection at `path` with the default options.
    public static func open(at path: String) throws -> DocumentCollection {
        try DocumentCollection(path: path)
    }

    /// Whether a live document has this id.
    public func contains(id: String) -> Bool { document(id: id) != nil }

    /// XTR when the collection keeps token vectors, else its first mode (dense, then BM25), default per-query settings.
    public var defaultParameters: CollectionSearchParameters {
        let available = modes
        return CollectionSearchParameters(mode: available.contains(.xtr) ? .xtr : available.first ?? .bm25)
    }

    /// The `k` best live documents for `query` with this call's mode and settings (see
    /// ``search(_:mode:k:parameters:hybrid:)``).
    public func search(_ query: String, k: Int, parameters: CollectionSearchParameters) throws -> [CollectionHit] {
        try search(query, mode: parameters.mode, k: k, parameters: parameters.search, hybrid: parameters.hybrid)
    }
}
