import TesseraIO

extension DocumentStore {
    /// String-table names in an index folder (each stored as `<name>.bytes` + `<name>.offsets`).
    public enum ArrayName {
        /// External ids.
        public static let ids = IndexFolderWriter.documentIDsName
        /// Titles.
        public static let titles = "titles"
        /// Texts.
        public static let texts = "texts"
    }

    /// Opens the store of `folder`: the ids (required), titles and texts when present; every table's offsets are
    /// checked, all tables hold the same number of strings, and that number is the manifest's `documents` count
    /// when the manifest has one.
    public init(folder: IndexFolder) throws(IndexError) {
        func optional(_ name: String) throws(IndexError) -> StringTable? {
            folder.hasArray(name + ".bytes") || folder.hasArray(name + ".offsets") ? try folder.strings(name) : nil
        }
        try self.init(ids: try folder.documentIDs(), titles: try optional(ArrayName.titles), texts: try optional(ArrayName.texts))
        if let documents = folder.manifest.counts["documents"], documents != ids.count {
            throw IndexError(.invalidArray, "\(folder.path): \(ids.count) document ids but the manifest counts \(documents) documents")
        }
    }

    /// Writes `ids`, and `titles` / `texts` when given, into `writer` (each as long as `ids`).
    public static func write(ids: some Collection<String>, titles: [String]?, texts: [String]?,
                             into writer: IndexFolderWriter) throws(IndexError) {
        for (name, count) in [("titles", titles?.count), ("texts", texts?.count)] {
            if let count, count != ids.count {
                throw IndexError(.invalidArgument, "document store: \(count) \(name) for \(ids.count) documents")
            }
        }
        try writer.addDocumentIDs(ids)
        if let titles { try writer.addStrings(ArrayName.titles, titles) }
        if let texts { try writer.addStrings(ArrayName.texts, texts) }
    }
}

/// Streams a document store (ids, titles, texts) into an index folder as records arrive, without holding the
/// titles and texts in memory.
public struct DocumentStoreWriter {
    private let writer: IndexFolderWriter
    private let titles: IndexArrayStream<UInt8>
    private let texts: IndexArrayStream<UInt8>
    private var ids: [String] = []
    private var titleOffsets: [Int64] = [0]
    private var textOffsets: [Int64] = [0]

    /// Begins the title and text arrays in `writer`.
    public init(writer: IndexFolderWriter) throws(IndexError) {
        self.writer = writer
        titles = try writer.beginArray(DocumentStore.ArrayName.titles + ".bytes", of: UInt8.self)
        texts = try writer.beginArray(DocumentStore.ArrayName.texts + ".bytes", of: UInt8.self)
    }

    /// Documents appended so far.
    public var count: Int { ids.count }

    /// Appends documents (a missing id or title is stored as an empty string).
    public mutating func append(_ records: [TextRecord]) throws(IndexError) {
        var titleBytes: [UInt8] = [], textBytes: [UInt8] = []
        for r in records {
            ids.append(r.id ?? "")
            titleBytes.append(contentsOf: (r.title ?? "").utf8)
            textBytes.append(contentsOf: r.text.utf8)
            titleOffsets.append(titleOffsets[titleOffsets.count - 1] + Int64((r.title ?? "").utf8.count))
            textOffsets.append(textOffsets[textOffsets.count - 1] + Int64(r.text.utf8.count))
        }
        try titles.append(titleBytes)
        try texts.append(textBytes)
    }

    /// Closes the streamed arrays and writes the offsets and ids.
    public func finish() throws(IndexError) {
        try titles.finish()
        try texts.finish()
        try writer.addArray(DocumentStore.ArrayName.titles + ".offsets", titleOffsets)
        try writer.addArray(DocumentStore.ArrayName.texts + ".offsets", textOffsets)
        try writer.addDocumentIDs(ids)
    }
}
