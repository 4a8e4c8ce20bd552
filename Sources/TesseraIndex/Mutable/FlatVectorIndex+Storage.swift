import TesseraIO

/// Reading and writing a ``FlatVectorIndex`` as a `dense` index folder (the vectors and document ids of
/// `DenseVectorTable`'s layout, the metric in the parameters), with the atomic commit of ``IndexFolderWriter``.
extension FlatVectorIndex {
    /// The manifest parameter that records the metric.
    static let metricParameter = "metric"

    /// Reads the vectors and ids of any `dense` index folder into memory (one Tessera built from a corpus, or one
    /// written by ``write(to:model:)``). The metric is the folder's, or `metric` when it records none (a folder
    /// built by `tessera index`, whose vectors the model normalised already: cosine and inner product agree).
    public convenience init(folder path: String, metric: Metric = .cosine, verifyChecksums: Bool = true) throws(IndexError) {
        let folder = try IndexFolder(path: path, kind: .dense, verifyChecksums: verifyChecksums)
        let table = try DenseVectorTable(folder: folder)
        let ids = try folder.documentIDs()
        guard ids.count == table.count else {
            throw IndexError(.invalidArray, "\(path): \(ids.count) document ids for \(table.count) vectors")
        }
        var chosen = metric
        if let recorded = folder.manifest.parameters[Self.metricParameter] {
            guard let name = recorded.stringValue, let m = Metric(rawValue: name) else {
                throw IndexError(.invalidManifest, "\(path)/\(IndexManifest.fileName): unknown metric \(recorded) (known: \(Metric.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            chosen = m
        }
        var rows = Rows()
        rows.values = Array(table.values.buffer)
        rows.ids.reserveCapacity(ids.count)
        for (row, id) in ids.enumerated() {
            guard rows.position.updateValue(row, forKey: id) == nil else {
                throw IndexError(.invalidArray, "\(path): document id \"\(id)\" appears twice")
            }
            rows.ids.append(id)
        }
        guard rows.values.allSatisfy(\.isFinite) else { throw IndexError(.invalidArray, "\(path): a stored vector value is not finite") }
        self.init(dimension: table.dimension, metric: chosen, rows: rows)
    }

    /// Opens the `dense` index folder at `path` (``init(folder:metric:verifyChecksums:)`` with its defaults).
    public static func open(at path: String) throws -> FlatVectorIndex {
        try FlatVectorIndex(folder: path)
    }

    /// Writes the live rows as a `dense` index folder at `path`, atomically: the folder there (an index written
    /// before) is replaced only once the new one is complete and synced, and stays as it was if writing fails.
    /// `model` is recorded in the manifest (an encoder's identity object, or null). An empty index cannot be written.
    public func write(to path: String, model: JSONValue = .null) throws(IndexError) {
        let snapshot = current
        guard !snapshot.ids.isEmpty else { throw IndexError(.invalidArgument, "\(path): an index needs at least one vector to be written") }
        let writer = try IndexFolderWriter(destination: path, kind: .dense)
        do {
            try writer.addArray(DenseVectorTable.ArrayName.vectors, snapshot.values)
            try writer.addDocumentIDs(snapshot.ids)
            writer.model = model
            writer.dimension = dimension
            var parameters = JSONObject()
            parameters.entries.append((key: Self.metricParameter, value: .string(metric.rawValue)))
            writer.parameters = parameters
            writer.counts = ["documents": snapshot.ids.count]
            try writer.commit()
        } catch {
            writer.abandon()
            throw error
        }
    }
}
