import Foundation
import TesseraIndex
import TesseraIngest
import TesseraModels
import TesseraSearch

/// One immutable segment of a collection: a folder holding its documents (`documents/`, an index folder of kind
/// `documents`) and one index folder per kind the collection keeps (`dense/`, `tokens/`, `bm25/`), each written
/// with the atomic folder commit. A segment is part of the collection only once `state.json` lists it.
final class Segment: @unchecked Sendable {
    /// Folder name (`seg-000001`).
    let name: String
    /// Folder path.
    let path: String
    /// The documents, in row order.
    let store: DocumentStore
    /// A searcher per mode the segment serves.
    let searchers: [SearchMode: any Searcher]
    /// The compressed token index, when the collection keeps tokens.
    let tokens: WARPIndex?
    /// The BM25 index, when the collection keeps one (searched with the collection's statistics).
    let bm25: BM25Index?

    static let documentsFolder = "documents"

    /// The document stored at `row` (an empty title reads as none).
    func document(at row: Int) -> CollectionDocument {
        let title = store.title(at: row)
        return CollectionDocument(id: store.ids[row], title: title?.isEmpty == false ? title : nil, text: store.text(at: row) ?? "")
    }

    /// Writes a segment of `documents` at `path` (a new folder).
    static func build(at path: String, documents: [CollectionDocument], configuration: CollectionConfiguration, model: EmbeddingModel?,
                      codebook: WARPCodebook?, options: CollectionOptions) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        let records = documents.map(\.record)
        let writer = try IndexFolderWriter(destination: path + "/" + documentsFolder, kind: .documents)
        var store = try DocumentStoreWriter(writer: writer)
        try store.append(records)
        try store.finish()
        writer.counts = ["documents": records.count]
        try writer.commit()
        var build = IndexBuildOptions()
        build.threads = options.threads
        build.warp.codebook = codebook
        var indexes = configuration.indexes
        if indexes.contains(.dense) && indexes.contains(.tokens) {
            // Both from one encoder pass.
            guard let model else { throw CollectionError(.invalidInput, "the dense and tokens indexes need the collection's model") }
            _ = try IndexBuilder.buildDenseAndWARP(model: model, documents: CorpusReader(records: records), dense: path + "/" + CollectionIndex.dense.rawValue,
                                                   warp: path + "/" + CollectionIndex.tokens.rawValue, options: build)
            indexes.removeAll { $0 == .dense || $0 == .tokens }
        }
        for index in indexes {
            let destination = path + "/" + index.rawValue
            let reader = CorpusReader(records: records)
            switch index {
            case .bm25:
                _ = try IndexBuilder.buildBM25(documents: reader, destination: destination, options: build)
            case .dense, .tokens:
                guard let model else { throw CollectionError(.invalidInput, "the \(index.rawValue) index needs the collection's model") }
                if index == .dense {
                    _ = try IndexBuilder.buildDense(model: model, documents: reader, destination: destination, options: build)
                } else {
                    _ = try IndexBuilder.buildWARP(model: model, documents: reader, destination: destination, options: build)
                }
            }
        }
    }

    /// Opens the segment `name` under `segments` (checksums verified).
    init(folder segments: String, name: String, configuration: CollectionConfiguration, model: EmbeddingModel?, options: CollectionOptions) throws {
        self.name = name
        path = segments + "/" + name
        store = try DocumentStore(folder: try IndexFolder(path: path + "/" + Self.documentsFolder, kind: .documents))
        var searchers: [SearchMode: any Searcher] = [:]
        var tokens: WARPIndex? = nil
        var bm25: BM25Index? = nil
        for index in configuration.indexes {
            let folder = path + "/" + index.rawValue
            switch index {
            case .bm25:
                let searcher = try BM25Searcher(path: folder, parameters: nil, defaults: options.search.parameters)
                searchers[.bm25] = searcher
                bm25 = searcher.index
            case .dense, .tokens:
                guard let model else { throw CollectionError(.invalidInput, "the \(index.rawValue) index needs the collection's model") }
                if index == .dense {
                    let dense = try DenseSearcher(path: folder, model: model, options: options.search)
                    searchers[.dense] = dense
                    searchers[.denseExact] = dense.exactSearcher
                } else {
                    let parameters = WARPSearchParameters(options: options.search)
                    let xtr = try WARPSearcher(path: folder, model: model, mode: .xtr, parameters: parameters)
                    searchers[.xtr] = xtr
                    searchers[.aligner] = try xtr.searching(in: .aligner)
                    tokens = xtr.index
                }
            }
        }
        for (mode, searcher) in searchers where searcher.documentIDs.count != store.count {
            throw CollectionError(.corrupted, "\(path): the \(mode.rawValue) index holds \(searcher.documentIDs.count) documents, the store \(store.count)")
        }
        self.searchers = searchers
        self.tokens = tokens
        self.bm25 = bm25
    }
}
