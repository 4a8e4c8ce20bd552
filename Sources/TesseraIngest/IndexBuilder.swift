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
        let writer = try IndexFolderWriter(destination: destination, kind: .dense)
        let width = options.dimension ?? model.dimension
        guard width >= 1 && width <= model.dimension else {
            throw IndexError(.invalidArgument, "dimension \(width) must be between 1 and the model's \(model.dimension)")
        }
        let vectors = try DenseVectorTable.beginWriting(into: writer)
        var store = try DocumentStoreWriter(writer: writer)
        let embed = EmbedOptions(dimension: options.dimension, maxLength: options.maxLength, batchSize: options.batchSize, threads: options.threads)
        var tokens = 0
        while true {
            let records = try reader.next(chunkDocuments)
            if records.isEmpty { break }
            let inputs = try records.map { try model.tokenize($0.encodedText, maxLength: options.maxLength) }
            let out = try model.embed(inputs: inputs, options: embed)
            try out.withUnsafeBufferPointer { try vectors.append($0) }
            try store.append(records)
            tokens += inputs.reduce(0) { $0 + $1.ids.count }
            options.progress?(reader.count, tokens)
        }
        try vectors.finish()
        try store.finish()
        writer.model = try model.identity()
        writer.dimension = width
        writer.parameters = modelParameters(model, options: options)
        writer.counts = ["documents": reader.count]
        if let hnsw = options.hnsw {
            // The vectors just written, memory-mapped from the temporary folder (not held twice in RAM).
            let mapped = try MappedFile(path: writer.temporaryPath + "/" + DenseVectorTable.ArrayName.vectors + ".bin")
            guard let base = mapped.bytes.baseAddress, mapped.bytes.count == reader.count * width * MemoryLayout<Float>.size else {
                throw IndexError(.writeFailed, "\(writer.temporaryPath)/vectors.bin has an unexpected size")
            }
            let graph = HNSWGraph.build(vectors: base.assumingMemoryBound(to: Float.self), count: reader.count, dimension: width,
                                        parameters: hnsw, threads: options.threads)
            try graph.write(into: writer)
        }
        try writer.commit()
        return IndexBuildReport(documents: reader.count, vectors: reader.count, seconds: Date().timeIntervalSince(start),
                                bytes: folderBytes(destination))
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
        let filter = TokenFilter(tokenizer: model.tokenizer, skipSpecial: options.skipSpecial, skipPunctuation: options.skipPunctuation)
        var warp = options.warp
        warp.threads = options.threads
        let builder = try WARPIndexBuilder(destination: destination, dimension: model.tokenDimension, parameters: warp)
        var titles: [String] = [], texts: [String] = []
        try encodeKeptTokens(model: model, reader: reader, options: options, filter: filter) { records, documents in
            for (record, document) in zip(records, documents) {
                try document.vectors.withUnsafeBufferPointer {
                    try builder.add(documentID: record.id ?? "", vectors: $0, tokenIds: document.ids, saliences: document.saliences)
                }
                titles.append(record.title ?? "")
                texts.append(record.text)
            }
        }
        var parameters = modelParameters(model, options: options)
        parameters.entries.append((key: "skip_special", value: .bool(options.skipSpecial)))
        parameters.entries.append((key: "skip_punctuation", value: .bool(options.skipPunctuation)))
        let result = try builder.finish(model: try model.identity(), parameters: parameters, titles: titles, texts: texts)
        return IndexBuildReport(documents: result.documents, vectors: result.tokens, seconds: Date().timeIntervalSince(start),
                                bytes: result.bytes, peakMemoryBytes: result.peakRSSBytes)
    }

    /// Encodes the corpus chunk by chunk and hands `body` each chunk's records with, per document, the
    /// L2-normalised vectors, vocabulary ids and (for a model with salience heads) learned saliences of the tokens `filter` keeps; reports progress after each chunk.
    private static func encodeKeptTokens(model: EmbeddingModel, reader: CorpusReader, options: IndexBuildOptions, filter: TokenFilter,
                                         _ body: (_ records: [TextRecord], _ documents: [(vectors: [Float], ids: [Int32], saliences: [Float]?)]) throws -> Void) throws {
        let embed = EmbedOptions(maxLength: options.maxLength, batchSize: options.batchSize, threads: options.threads)
        let d = model.tokenDimension
        // A PyLate folder's skiplist (punctuation by default): those tokens are dropped from documents, as PyLate does.
        let skiplist = model.documentSkiplist
        var encoded = 0
        while true {
            let records = try reader.next(chunkDocuments)
            if records.isEmpty { break }
            let inputs = try records.map { try model.tokenize($0.encodedText, role: .document, maxLength: options.maxLength) }
            let out = try model.embedTokens(inputs: inputs, options: embed, normalize: true, saliences: .document)
            let documents: [(vectors: [Float], ids: [Int32], saliences: [Float]?)] = inputs.enumerated().map { i, input in
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
            try body(records, documents)
            encoded += out.offsets.last ?? 0
            options.progress?(reader.count, encoded)
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
