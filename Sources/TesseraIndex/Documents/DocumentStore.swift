/// The documents of an index folder, in index order: external ids, and titles and texts where the folder stores
/// them (dense, token and WARP indexes do; a BM25 folder keeps ids only).
public struct DocumentStore: Sendable {
    /// External ids (unique, non-empty when written by the index builders).
    public let ids: StringTable
    /// Titles, one per document (empty strings for documents without one), when stored.
    public let titles: StringTable?
    /// Texts, one per document, when stored.
    public let texts: StringTable?

    /// Wraps tables that must all hold the same number of strings.
    public init(ids: StringTable, titles: StringTable?, texts: StringTable?) throws(IndexError) {
        for (name, table) in [("titles", titles), ("texts", texts)] {
            if let table, table.count != ids.count {
                throw IndexError(.invalidArray, "document store: \(table.count) \(name) for \(ids.count) document ids")
            }
        }
        self.ids = ids
        self.titles = titles
        self.texts = texts
    }

    /// Documents stored.
    public var count: Int { ids.count }

    /// The title of document `row` (nil when the store keeps no titles or the row is out of range).
    public func title(at row: Int) -> String? {
        guard let titles, row >= 0, row < titles.count else { return nil }
        return titles[row]
    }

    /// The text of document `row` (nil when the store keeps no texts or the row is out of range).
    public func text(at row: Int) -> String? {
        guard let texts, row >= 0, row < texts.count else { return nil }
        return texts[row]
    }
}
