import Foundation
import TesseraIndex
import TesseraIO
import TesseraKernels
import TesseraModels

/// Builds index folders from a BEIR corpus, streaming: documents are read, encoded and written in chunks,
/// so memory stays bounded whatever the corpus size. Every folder also stores the document store
/// (external ids, titles, texts) in document order.
public enum IndexBuilder {
    static let chunkDocuments = 1024

    /// Builds an index of `kind` (dense, exact tokens, compressed tokens or BM25) from `corpus` at `destination`;
    /// `model` (a folder or a cached model name) is needed for every kind but BM25.
    public static func build(kind: IndexKind, model: String?, corpus: String, destination: String, options: IndexBuildOptions) throws -> IndexBuildReport {
        if kind == .bm25 { return try buildBM25(corpus: corpus, destination: destination, options: options) }
        guard let model else { throw IndexError(.invalidArgument, "a \(kind.rawValue) index needs a model") }
        let loaded = try EmbeddingModel(folder: try ModelStore.resolve(model))
        switch kind {
        case .dense: return try buildDense(model: loaded, corpus: corpus, destination: destination, options: options)
        case .tokensWARP: return try buildWARP(model: loaded, corpus: corpus, destination: destination, options: options)
        default: return try buildTokens(model: loaded, corpus: corpus, destination: destination, options: options)
        }
    }

    /// A dense index: one pooled (normalised, optionally Matryoshka-truncated) vector per document.
    public static func buildDense(model: EmbeddingModel, corpus: String, destination: String, options: IndexBuildOptions) throws -> IndexBuildReport {
        try buildDense(model: model, documents: try CorpusReader(path: corpus), destination: destination, options: options)
    }

    /// The same index from `documents` (a corpus file or records given in memory).
    public static func buildDense(model: EmbeddingModel, documents reader: CorpusReader, destination: String, options: IndexBuildOptions) throws -> IndexBuildReport {
        let start = Date()
        let sink = try DenseSink(model: model, destination: destination, options: options)
        let embed = EmbedOptions(dimension: options.dimension, maxLength: options.maxLength, batchSize: options.batchSize, threads: options.threads)
        var tokens = 0
        while true {
            let records = try reader.next(chunkDocuments)
            if records.isEmpty { break }
            let inputs = try records.map { try model.tokenize($0.encodedText, maxLength: options.maxLength) }
            try sink.append(records, vectors: try model.embed(inputs: inputs, options: embed))
            tokens += inputs.reduce(0) { $0 + $1.ids.count }
            options.progress?(reader.count, tokens)
        }
        return try sink.finish(documents: reader.count, started: start)
    }

    /// A dense index and a compressed token (WARP) index of the same documents from one encoder pass (a collection
    /// segment keeps both): the same folders as ``buildDense(model:documents:destination:options:)`` and
    /// ``buildWARP(model:documents:destination:options:)`` write, at half the encoding. A model whose queries and
    /// documents are tokenized with PyLate markers encodes its token documents differently, so it gets two passes.
    public static func buildDenseAndWARP(model: EmbeddingModel, documents reader: CorpusReader, dense: String, warp: String,
                                         options: IndexBuildOptions) throws -> (dense: IndexBuildReport, warp: IndexBuildReport) {
        guard !model.markers.isActive else {
            let records = try reader.next(Int.max)
            return (try buildDense(model: model, documents: CorpusReader(records: records), destination: dense, options: options),
                    try buildWARP(model: model, documents: CorpusReader(records: records), destination: warp, options: options))
        }
        let start = Date()
        let denseSink = try DenseSink(model: model, destination: dense, options: options)
        let warpSink = try WARPSink(model: model, destination: warp, options: options)
        let embed = EmbedOptions(dimension: options.dimension, maxLength: options.maxLength, batchSize: options.batchSize, threads: options.threads)
        var encoded = 0
        while true {
            let records = try reader.next(chunkDocuments)
            if records.isEmpty { break }
            let inputs = try records.map { try model.tokenize($0.encodedText, role: .document, maxLength: options.maxLength) }
            let (pooled, tokens) = try model.embedPooledAndTokens(inputs: inputs, options: embed)
            try denseSink.append(records, vectors: pooled)
            try warpSink.append(records, documents: keptTokens(model: model, inputs: inputs, encoded: tokens, filter: warpSink.filter))
            encoded += tokens.offsets.last ?? 0
            options.progress?(reader.count, encoded)
        }
        let denseReport = try denseSink.finish(documents: reader.count, started: start)
        return (denseReport, try warpSink.finish(started: start))
    }

    /// A token index: every kept token's L2-normalised last hidden state, its vocabulary id, and document offsets.
    public static func buildTokens(model: EmbeddingModel, corpus: String, destination: String, options: IndexBuildOptions) throws -> IndexBuildReport {
        try buildTokens(model: model, documents: try CorpusReader(path: corpus), destination: destination, options: options)
    }

    /// The same index from `documents` (a corpus file or records given in memory).
    public static func buildTokens(model: EmbeddingModel, documents reader: CorpusReader, destination: String, options: IndexBuildOptions) throws -> IndexBuildReport {
        let start = Date()
        let writer = try IndexFolderWriter(destination: destination, kind: .tokens)
        let filter = TokenFilter(tokenizer: model.tokenizer, skipSpecial: options.skipSpecial, skipPunctuation: options.skipPunctuation)
        var store = try DocumentStoreWriter(writer: writer)
        let d = model.tokenDimension
        // AligneR's learned document saliences, one per kept token, when the model has salience heads.
        let tokens = try TokenVectorTable.Writer(writer: writer, dimension: d, saliences: model.salienceHeads != nil)
        try encodeKeptTokens(model: model, reader: reader, options: options, filter: filter) { records, documents in
            try tokens.append(documents)
            try store.append(records)
        }
        let tokenCount = try tokens.finish()
        try store.finish()
        writer.model = try model.identity()
        writer.dimension = d
        var parameters = modelParameters(model, options: options)
        parameters.entries.append((key: "skip_special", value: .bool(options.skipSpecial)))
        parameters.entries.append((key: "skip_punctuation", value: .bool(options.skipPunctuation)))
        parameters.entries.append((key: "vocabulary_size", value: .number(Double(model.tokenizer.vocabularySize))))
        writer.parameters = parameters
        writer.counts = ["documents": reader.count, "tokens": tokenCount]
        try writer.commit()
        return IndexBuildReport(documents: reader.count, vectors: tokenCount, seconds: Date().timeIntervalSince(start),
                                bytes: folderBytes(destination))
    }

    /// A compressed token index (WARP): every kept token as a centroid id plus b-bit residual codes, documents
    /// optionally pruned to their most salient tokens. Token vectors are spilled to disk while encoding.
    public static func buildWARP(model: EmbeddingModel, corpus: String, destination: String, options: IndexBuildOptions) throws -> IndexBuildReport {
        try buildWARP(model: model, documents: try CorpusReader(path: corpus), destination: destination, options: options)
    }

    /// The same index from `documents` (a corpus file or records given in memory).
    public static func buildWARP(model: EmbeddingModel, documents reader: CorpusReader, destination: String, options: IndexBuildOptions) throws -> IndexBuildReport {
        let start = Date()
        let sink = try WARPSink(model: model, destination: destination, options: options)
        try encodeKeptTokens(model: model, reader: reader, options: options, filter: sink.filter) { records, documents in
            try sink.append(records, documents: documents)
        }
        return try sink.finish(started: start)
    }

    /// Encodes the corpus chunk by chunk and hands `body` each chunk's records with, per document, the
    /// L2-normalised vectors, vocabulary ids and (for a model with salience heads) learned saliences of the tokens `filter` keeps; reports progress after each chunk.
    private static func encodeKeptTokens(model: EmbeddingModel, reader: CorpusReader, options: IndexBuildOptions, filter: TokenFilter,
                                         _ body: (_ records: [TextRecord], _ documents: [KeptTokens]) throws -> Void) throws {
        let embed = EmbedOptions(maxLength: options.maxLength, batchSize: options.batchSize, threads: options.threads)
        var encoded = 0
        while true {
            let records = try reader.next(chunkDocuments)
            if records.isEmpty { break }
            let inputs = try records.map { try model.tokenize($0.encodedText, role: .document, maxLength: options.maxLength) }
            let out = try model.embedTokens(inputs: inputs, options: embed, normalize: true, saliences: .document)
            try body(records, keptTokens(model: model, inputs: inputs, encoded: out, filter: filter))
            encoded += out.offsets.last ?? 0
            options.progress?(reader.count, encoded)
        }
    }

    /// One document's kept tokens: vectors, vocabulary ids, learned saliences (nil without salience heads).
    typealias KeptTokens = (vectors: [Float], ids: [Int32], saliences: [Float]?)

    /// Per document of `inputs`, the tokens `filter` keeps and the model's document skiplist (a PyLate folder's
    /// punctuation, dropped from documents as PyLate does) does not drop.
    private static func keptTokens(model: EmbeddingModel, inputs: [EncoderInput], encoded out: TokenVectors, filter: TokenFilter) -> [KeptTokens] {
        let d = out.dimension
        let skiplist = model.documentSkiplist
        return inputs.enumerated().map { i, input in
            var kept: [Float] = []
            var ids: [Int32] = []
            var saliences: [Float]? = out.saliences == nil ? nil : []
            for (t, id) in input.ids.enumerated() where filter.keeps(id) && !skiplist.contains(id) {
                let row = out.offsets[i] + t
                kept.append(contentsOf: out.vectors[(row * d)..<((row + 1) * d)])
                ids.append(id)
                if let u = out.saliences { saliences?.append(u[row]) }
            }
            return (kept, ids, saliences)
        }
    }

    /// A BM25 index (no model): analysed title + text.
    public static func buildBM25(corpus: String, destination: String, options: IndexBuildOptions) throws -> IndexBuildReport {
        try buildBM25(documents: try CorpusReader(path: corpus), destination: destination, options: options)
    }

    /// The same index from `documents` (a corpus file or records given in memory).
    public static func buildBM25(documents reader: CorpusReader, destination: String, options: IndexBuildOptions) throws -> IndexBuildReport {
        let start = Date()
        let builder = BM25IndexBuilder(parameters: options.bm25)
        while true {
            let chunk = try reader.next(chunkDocuments)
            if chunk.isEmpty { break }
            for r in chunk { try builder.add(id: r.id ?? "", text: r.encodedText) }
            options.progress?(reader.count, 0)
        }
        // A BM25 folder stores external ids with its postings (no titles or texts: dense and token
        // indexes carry the full document store).
        try builder.build().write(to: destination)
        return IndexBuildReport(documents: reader.count, vectors: 0, seconds: Date().timeIntervalSince(start),
                                bytes: folderBytes(destination))
    }

    static func modelParameters(_ model: EmbeddingModel, options: IndexBuildOptions) -> JSONObject {
        var p = JSONObject()
        p.entries.append((key: "model_folder", value: .string(model.folder)))
        p.entries.append((key: "max_length", value: .number(Double(options.maxLength ?? model.defaultMaxLength))))
        p.entries.append((key: "pooling", value: .string(model.pipeline.pooling.rawValue)))
        return p
    }

    /// Total size of the files in a folder (one implementation, shared with the WARP builder).
    public static func folderBytes(_ path: String) -> Int { WARPIndexBuilder.folderBytes(path) }
}

/// The writing half of a dense index build: pooled vectors and the document store streamed in, then the HNSW graph
/// and the atomic commit.
private final class DenseSink {
    let writer: IndexFolderWriter
    let vectors: IndexArrayStream<Float>
    var store: DocumentStoreWriter
    let width: Int
    let model: EmbeddingModel
    let options: IndexBuildOptions

    init(model: EmbeddingModel, destination: String, options: IndexBuildOptions) throws {
        width = options.dimension ?? model.dimension
        guard width >= 1 && width <= model.dimension else {
            throw IndexError(.invalidArgument, "dimension \(width) must be between 1 and the model's \(model.dimension)")
        }
        writer = try IndexFolderWriter(destination: destination, kind: .dense)
        vectors = try DenseVectorTable.beginWriting(into: writer)
        store = try DocumentStoreWriter(writer: writer)
        self.model = model
        self.options = options
    }

    func append(_ records: [TextRecord], vectors pooled: [Float]) throws {
        try pooled.withUnsafeBufferPointer { try vectors.append($0) }
        try store.append(records)
    }

    func finish(documents: Int, started: Date) throws -> IndexBuildReport {
        try vectors.finish()
        try store.finish()
        writer.model = try model.identity()
        writer.dimension = width
        writer.parameters = IndexBuilder.modelParameters(model, options: options)
        writer.counts = ["documents": documents]
        if let hnsw = options.hnsw {
            // The vectors just written, memory-mapped from the temporary folder (not held twice in RAM).
            let mapped = try MappedFile(path: writer.temporaryPath + "/" + DenseVectorTable.ArrayName.vectors + ".bin")
            guard let base = mapped.bytes.baseAddress, mapped.bytes.count == documents * width * MemoryLayout<Float>.size else {
                throw IndexError(.writeFailed, "\(writer.temporaryPath)/vectors.bin has an unexpected size")
            }
            let graph = HNSWGraph.build(vectors: base.assumingMemoryBound(to: Float.self), count: documents, dimension: width,
                                        parameters: hnsw, threads: options.threads)
            try graph.write(into: writer)
        }
        try writer.commit()
        return IndexBuildReport(documents: documents, vectors: documents, seconds: Date().timeIntervalSince(started),
                                bytes: IndexBuilder.folderBytes(writer.destination))
    }
}

/// The writing half of a WARP build: each document's kept token vectors streamed into the builder, then training,
/// encoding and the commit.
private final class WARPSink {
    let builder: WARPIndexBuilder
    let filter: TokenFilter
    let model: EmbeddingModel
    let options: IndexBuildOptions
    var titles: [String] = [], texts: [String] = []

    init(model: EmbeddingModel, destination: String, options: IndexBuildOptions) throws {
        filter = TokenFilter(tokenizer: model.tokenizer, skipSpecial: options.skipSpecial, skipPunctuation: options.skipPunctuation)
        var warp = options.warp
        warp.threads = options.threads
        builder = try WARPIndexBuilder(destination: destination, dimension: model.tokenDimension, parameters: warp)
        self.model = model
        self.options = options
    }

    func append(_ records: [TextRecord], documents: [IndexBuilder.KeptTokens]) throws {
        for (record, document) in zip(records, documents) {
            try document.vectors.withUnsafeBufferPointer {
                try builder.add(documentID: record.id ?? "", vectors: $0, tokenIds: document.ids, saliences: document.saliences)
            }
            titles.append(record.title ?? "")
            texts.append(record.text)
        }
    }

    func finish(started: Date) throws -> IndexBuildReport {
        var parameters = IndexBuilder.modelParameters(model, options: options)
        parameters.entries.append((key: "skip_special", value: .bool(options.skipSpecial)))
        parameters.entries.append((key: "skip_punctuation", value: .bool(options.skipPunctuation)))
        let result = try builder.finish(model: try model.identity(), parameters: parameters, titles: titles, texts: texts)
        return IndexBuildReport(documents: result.documents, vectors: result.tokens, seconds: Date().timeIntervalSince(started),
                                bytes: result.bytes, peakMemoryBytes: result.peakRSSBytes)
    }
}
