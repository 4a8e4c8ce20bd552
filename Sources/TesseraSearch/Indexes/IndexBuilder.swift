import Foundation
import TesseraIndex
import TesseraIO
import TesseraKernels
import TesseraModels

/// Settings of an index build.
public struct IndexBuildOptions: Sendable {
    /// Document token budget (nil: the model's default, 256 for MiniLM).
    public var maxLength: Int?
    /// Texts per encoder batch.
    public var batchSize: Int = 32
    /// Encoder threads.
    public var threads: Int = Parallel.availableCores
    /// Matryoshka dimension stored by a dense index (nil: full).
    public var dimension: Int?
    /// Token filter of a token index: drop `[CLS]`/`[SEP]`.
    public var skipSpecial = false
    /// Token filter of a token index: drop punctuation pieces.
    public var skipPunctuation = false
    /// BM25 parameters stored as defaults in a BM25 index.
    public var bm25 = BM25Parameters()
    /// HNSW graph built into a dense index (nil: flat vectors only).
    public var hnsw: HNSWParameters? = HNSWParameters()
    /// Compressed token index settings (bits, centroids, pruning β).
    public var warp = WARPBuildParameters()
    /// Called after each chunk with (documents done, tokens encoded).
    public var progress: (@Sendable (Int, Int) -> Void)?

    /// Default options.
    public init() {}
}

/// What a build produced.
public struct IndexBuildReport: Sendable {
    /// Documents indexed.
    public var documents: Int
    /// Vectors stored (documents for dense, tokens for token indexes, 0 for BM25).
    public var vectors: Int
    /// Wall time.
    public var seconds: Double
    /// Size of the index folder on disk.
    public var bytes: Int
    /// Peak resident memory of the process during the build, when measured.
    public var peakMemoryBytes: Int? = nil
}

/// Builds index folders from a BEIR corpus, streaming: documents are read, encoded and written in chunks,
/// so memory stays bounded whatever the corpus size. Every folder also stores the document store
/// (external ids, titles, texts) in document order.
public enum IndexBuilder {
    static let chunkDocuments = 1024

    /// A dense index: one pooled (normalised, optionally Matryoshka-truncated) vector per document.
    public static func buildDense(model: EmbeddingModel, corpus: String, destination: String, options: IndexBuildOptions) throws -> IndexBuildReport {
        let start = Date()
        let writer = try IndexFolderWriter(destination: destination, kind: .dense)
        let width = options.dimension ?? model.dimension
        guard width >= 1 && width <= model.dimension else {
            throw IndexError(.invalidArgument, "dimension \(width) must be between 1 and the model's \(model.dimension)")
        }
        let vectors = try writer.beginArray("vectors", of: Float.self)
        var store = try DocumentStoreWriter(writer: writer)
        let reader = try CorpusReader(path: corpus)
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
            let mapped = try MappedFile(path: writer.temporaryPath + "/vectors.bin")
            guard let base = mapped.bytes.baseAddress, mapped.bytes.count == reader.count * width * 4 else {
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
        let start = Date()
        let writer = try IndexFolderWriter(destination: destination, kind: .tokens)
        let filter = TokenFilter(tokenizer: model.tokenizer, skipSpecial: options.skipSpecial, skipPunctuation: options.skipPunctuation)
        let vectors = try writer.beginArray("vectors", of: Float.self)
        let tokenIDs = try writer.beginArray("token_ids", of: Int32.self)
        var offsets: [Int64] = [0]
        var store = try DocumentStoreWriter(writer: writer)
        let reader = try CorpusReader(path: corpus)
        let d = model.tokenDimension
        // AligneR's learned document saliences, one per kept token, when the model has salience heads.
        let saliences = model.salienceHeads == nil ? nil : try writer.beginArray("saliences", of: Float.self)
        try encodeKeptTokens(model: model, reader: reader, options: options, filter: filter) { records, documents in
            var keptVectors: [Float] = []
            var keptIDs: [Int32] = []
            var keptSaliences: [Float] = []
            for document in documents {
                keptVectors.append(contentsOf: document.vectors)
                keptIDs.append(contentsOf: document.ids)
                keptSaliences.append(contentsOf: document.saliences ?? [])
                offsets.append(Int64(tokenIDs.count + keptIDs.count))
            }
            try vectors.append(keptVectors)
            try tokenIDs.append(keptIDs)
            try saliences?.append(keptSaliences)
            try store.append(records)
        }
        try vectors.finish()
        let tokenCount = tokenIDs.count
        try tokenIDs.finish()
        try saliences?.finish()
        try writer.addArray("document_offsets", offsets)
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
        let start = Date()
        let filter = TokenFilter(tokenizer: model.tokenizer, skipSpecial: options.skipSpecial, skipPunctuation: options.skipPunctuation)
        var warp = options.warp
        warp.threads = options.threads
        let builder = try WARPIndexBuilder(destination: destination, dimension: model.tokenDimension, parameters: warp)
        let reader = try CorpusReader(path: corpus)
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
        let start = Date()
        let builder = BM25IndexBuilder(parameters: options.bm25)
        let reader = try CorpusReader(path: corpus)
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

/// Streams the document store (ids, titles, texts) into an index folder.
struct DocumentStoreWriter {
    let writer: IndexFolderWriter
    let titles: IndexArrayStream<UInt8>
    let texts: IndexArrayStream<UInt8>
    var ids: [String] = []
    var titleOffsets: [Int64] = [0]
    var textOffsets: [Int64] = [0]

    init(writer: IndexFolderWriter) throws {
        self.writer = writer
        titles = try writer.beginArray("titles.bytes", of: UInt8.self)
        texts = try writer.beginArray("texts.bytes", of: UInt8.self)
    }

    mutating func append(_ records: [TextRecord]) throws {
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

    func finish() throws {
        try titles.finish()
        try texts.finish()
        try writer.addArray("titles.offsets", titleOffsets)
        try writer.addArray("texts.offsets", textOffsets)
        try writer.addDocumentIDs(ids)
    }
}
