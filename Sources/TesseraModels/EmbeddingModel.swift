import Foundation
import TesseraKernels
import TesseraTokenizers

/// Settings of one embedding call.
public struct EmbedOptions: Sendable {
    /// Pooling override (nil: the folder's own).
    public var pooling: PoolingMode?
    /// Matryoshka dimension: keep the first `dimension` values and renormalise (nil: full size).
    public var dimension: Int?
    /// Token budget per text, special tokens included (nil: the model's default).
    public var maxLength: Int?
    /// Sequences per batch.
    public var batchSize: Int
    /// Worker threads.
    public var threads: Int

    /// Makes options; defaults use the folder's pooling, full size, batch 32 and every core.
    public init(pooling: PoolingMode? = nil, dimension: Int? = nil, maxLength: Int? = nil,
                batchSize: Int = 32, threads: Int = Parallel.availableCores) {
        self.pooling = pooling
        self.dimension = dimension
        self.maxLength = maxLength
        self.batchSize = batchSize
        self.threads = threads
    }
}

/// Token-level vectors of several texts: `vectors` is `[offsets.last × dimension]`, text i owning rows
/// `offsets[i] ..< offsets[i + 1]`.
public struct TokenVectors: Sendable {
    /// Row-major vectors of every token of every text.
    public var vectors: [Float]
    /// Row offsets per text (`count + 1` entries).
    public var offsets: [Int]
    /// Width of each vector.
    public var dimension: Int
    /// AligneR's learned salience of every token row (`u = λ · ReLU(w · x + b)`, PAPERS.md §3), when they were asked for
    /// and the model has salience heads; nil otherwise.
    public var saliences: [Float]? = nil

    /// The same vectors without the rows of tokens whose id is in `ids` (`inputs` are the sequences they were encoded
    /// from, one per text).
    public func removing(_ ids: Set<Int32>, inputs: [EncoderInput]) -> TokenVectors {
        var kept: [Float] = [], keptSaliences: [Float] = []
        var rows = [0]
        for (i, input) in inputs.enumerated() {
            for (t, id) in input.ids.enumerated() where !ids.contains(id) {
                let row = offsets[i] + t
                kept.append(contentsOf: vectors[(row * dimension)..<((row + 1) * dimension)])
                if let saliences { keptSaliences.append(saliences[row]) }
            }
            rows.append(kept.count / dimension)
        }
        return TokenVectors(vectors: kept, offsets: rows, dimension: dimension, saliences: saliences == nil ? nil : keptSaliences)
    }

    /// Makes token vectors.
    public init(vectors: [Float], offsets: [Int], dimension: Int, saliences: [Float]? = nil) {
        self.vectors = vectors
        self.offsets = offsets
        self.dimension = dimension
        self.saliences = saliences
    }
}

/// Whether texts are queries or documents: AligneR's salience heads differ between the two.
public enum TokenRole: Sendable, Equatable {
    /// Query tokens (the query head, budget α_q).
    case query
    /// Document tokens (the document head, budget α_d).
    case document
}

/// A sentence-embedding model: tokenizer + BERT encoder + pooling (+ normalisation), loaded from a local
/// Hugging Face / sentence-transformers folder. Safe to use from several threads at once.
public final class EmbeddingModel: Sendable {
    /// The folder the model came from.
    public let folder: String
    /// The tokenizer of the folder.
    public let tokenizer: Tokenizer
    /// The encoder.
    public let encoder: BertEncoder
    /// The folder's pooling and normalisation settings.
    public let pipeline: SentenceTransformerConfig
    /// Default token budget: `max_seq_length` of the folder, else 512, capped at the position table.
    public let defaultMaxLength: Int
    /// The folder's `Dense` heads, applied in order to the pooled vector.
    public let heads: [DenseHead]
    /// The folder's token head: `Dense` modules before pooling, applied in order to every token state (PyLate's
    /// projection of a ColBERT / XTR model); empty for a single-vector model.
    public let tokenHeads: [DenseHead]
    /// The folder's PyLate marker and query-expansion settings (none for other folders).
    public let markers: TokenMarkers
    /// AligneR's learned salience heads (module folder `2_Salience`, written by `tessera train --loss aligner`), if any.
    public let salienceHeads: SalienceHeads?

    /// Width of pooled vectors (after the heads) before Matryoshka truncation.
    public var dimension: Int { heads.last?.outputs ?? encoder.config.hiddenSize }

    /// Width of token-level vectors: the token head's output, or the encoder's hidden size without one.
    public var tokenDimension: Int { tokenHeads.last?.outputs ?? encoder.config.hiddenSize }

    /// Loads `config.json`, `model.safetensors`, `tokenizer.json` and the sentence-transformers files of `folder`.
    public init(folder: String) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue else {
            throw ModelError(.missingFile, "model folder not found: \(folder)")
        }
        self.folder = folder
        for name in ["config.json", "model.safetensors", "tokenizer.json"]
        where !FileManager.default.fileExists(atPath: folder + "/" + name) {
            throw ModelError(.missingFile, "\(name) not found in model folder \(folder)")
        }
        let config = try BertConfig(contentsOf: folder + "/config.json")
        let file = try SafeTensorsFile(path: folder + "/model.safetensors")
        let weights = try BertWeights(file: file, config: config)
        encoder = BertEncoder(config: config, weights: weights)
        tokenizer = try Tokenizer(contentsOf: URL(fileURLWithPath: folder + "/tokenizer.json"))
        pipeline = try SentenceTransformerConfig(folder: folder)
        defaultMaxLength = min(pipeline.maxSeqLength ?? 512, config.maxPositions)
        heads = try Self.loadHeads(pipeline.denseModules, folder: folder, width: config.hiddenSize)
        tokenHeads = try Self.loadHeads(pipeline.tokenModules, folder: folder, width: config.hiddenSize)
        markers = try TokenMarkers(folder: folder)
        salienceHeads = try SalienceHeads(folder: folder, hiddenSize: config.hiddenSize)
    }

    /// The `Dense` modules at `paths`, checked to chain from `width` features.
    static func loadHeads(_ paths: [String], folder: String, width: Int) throws -> [DenseHead] {
        var heads: [DenseHead] = []
        var width = width
        for path in paths {
            let head = try DenseHead(folder: folder, path: path)
            guard head.inputs == width else {
                throw ModelError(.wrongShape, "\(folder)/\(path): Dense module takes \(head.inputs) features but receives \(width)")
            }
            heads.append(head)
            width = head.outputs
        }
        return heads
    }

    /// Tokenizes one text with `[CLS]`/`[SEP]`, truncated to `maxLength` tokens.
    public func tokenize(_ text: String, maxLength: Int? = nil) throws -> EncoderInput {
        let limit = try checkedMaxLength(maxLength)
        let encoding = try tokenizer.encode(text, truncation: Truncation(maxLength: limit, strategy: .longestFirst, stride: 0))
        return EncoderInput(ids: encoding.ids, typeIds: encoding.typeIds)
    }

    func checkedMaxLength(_ maxLength: Int?) throws(ModelError) -> Int {
        let limit = maxLength ?? defaultMaxLength
        let minimum = tokenizer.numSpecialTokensToAdd.single + 1
        guard limit >= minimum else { throw ModelError(.invalidInput, "max length \(limit) is too small (at least \(minimum))") }
        guard limit <= encoder.config.maxPositions else {
            throw ModelError(.invalidInput, "max length \(limit) exceeds the model's \(encoder.config.maxPositions) positions")
        }
        return limit
    }

    /// Pooled (and, as the folder says, normalised) vectors: `[texts.count × dimension]` row-major.
    public func embed(_ texts: [String], options: EmbedOptions = EmbedOptions()) throws -> [Float] {
        let inputs = try texts.map { try tokenize($0, maxLength: options.maxLength) }
        return try embed(inputs: inputs, options: options)
    }

    /// Pooled vectors of already tokenized inputs.
    public func embed(inputs: [EncoderInput], options: EmbedOptions = EmbedOptions()) throws -> [Float] {
        let width = try outputWidth(options.dimension, of: dimension)
        var out = [Float](repeating: 0, count: inputs.count * width)
        try out.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let sink = UnsafeSendablePointer(base)
            try run(inputs, options: options) { index, states, rows in
                pool(states, rows: rows, options: options, width: width, into: sink.pointer + index * width)
            }
        }
        return out
    }

    /// One sequence's hidden states pooled, through the heads, into `target` (`width` values), normalised as the folder
    /// (or a Matryoshka `dimension`) says.
    private func pool(_ states: UnsafePointer<Float>, rows: Int, options: EmbedOptions, width: Int, into target: UnsafeMutablePointer<Float>) {
        let hidden = encoder.config.hiddenSize
        let widest = heads.reduce(hidden) { max($0, $1.outputs) }
        var pooled = UnsafeMutablePointer<Float>.allocate(capacity: widest)
        var spare = UnsafeMutablePointer<Float>.allocate(capacity: widest)
        defer { pooled.deallocate(); spare.deallocate() }
        Pooling.pool(states, rows: rows, width: hidden, mode: options.pooling ?? pipeline.pooling, into: pooled)
        for head in heads {
            head.apply(pooled, into: spare)
            swap(&pooled, &spare)
        }
        target.update(from: pooled, count: width)
        if pipeline.normalize || options.dimension != nil { VectorKernels.l2Normalize(target, count: width) }
    }

    /// Pooled vectors (as ``embed(inputs:options:)``) and L2-normalised token vectors (as
    /// ``embedTokens(inputs:options:normalize:saliences:)`` with document saliences) of the same inputs from one
    /// encoder pass, for an index that keeps both (a collection segment). `options.dimension` applies to the pooled
    /// vectors only.
    public func embedPooledAndTokens(inputs: [EncoderInput], options: EmbedOptions = EmbedOptions()) throws -> (pooled: [Float], tokens: TokenVectors) {
        let width = try outputWidth(options.dimension, of: dimension)
        var pooled = [Float](repeating: 0, count: inputs.count * width)
        let layout = TokenLayout(inputs, width: tokenDimension, saliences: salienceHeads != nil)
        defer { layout.deallocate() }
        try pooled.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let sink = UnsafeSendablePointer(base)
            try run(inputs, options: options) { index, states, rows in
                pool(states, rows: rows, options: options, width: width, into: sink.pointer + index * width)
                projectTokens(states, rows: rows, index: index, layout: layout, normalize: true, role: .document)
            }
        }
        return (pooled, layout.vectors)
    }

    /// Token-level vectors (last hidden state of every real token, special tokens included, through the token head
    /// when the model has one), optionally L2-normalised and Matryoshka-truncated. `role` tokenizes the texts as queries or
    /// documents (``tokenize(_:role:maxLength:)``: required for a folder with PyLate marker tokens or query expansion,
    /// whose queries and documents are encoded differently) and asks for learned saliences of that role.
    public func embedTokens(_ texts: [String], options: EmbedOptions = EmbedOptions(), normalize: Bool = true,
                            role: TokenRole? = nil) throws -> TokenVectors {
        guard role != nil || !markers.isActive else {
            throw ModelError(.invalidInput, "\(folder) encodes queries and documents differently (PyLate marker tokens \"\(markers.queryPrefix)\" / \"\(markers.documentPrefix)\", query expansion \(markers.queryExpansion)): say whether the texts are queries or documents")
        }
        let inputs = try texts.map { text in
            try role.map { try tokenize(text, role: $0, maxLength: options.maxLength) } ?? tokenize(text, maxLength: options.maxLength)
        }
        return try embedTokens(inputs: inputs, options: options, normalize: normalize, saliences: role)
    }

    /// Token-level vectors of already tokenized inputs (for a folder with markers, tokenized by
    /// ``tokenize(_:role:maxLength:)``); with `saliences` set and salience heads in the model, also every token's learned
    /// salience for that role (computed from the same encoder states).
    public func embedTokens(inputs: [EncoderInput], options: EmbedOptions = EmbedOptions(), normalize: Bool = true,
                            saliences role: TokenRole? = nil) throws -> TokenVectors {
        let width = try outputWidth(options.dimension, of: tokenDimension)
        let layout = TokenLayout(inputs, width: width, saliences: role != nil && salienceHeads != nil)
        defer { layout.deallocate() }
        try run(inputs, options: options) { index, states, rows in
            projectTokens(states, rows: rows, index: index, layout: layout, normalize: normalize, role: role)
        }
        return layout.vectors
    }

    /// One sequence's hidden states through the token heads into its rows of `layout` (the first `layout.width` values
    /// of each, optionally normalised), and its learned saliences for `role` when the layout keeps them.
    private func projectTokens(_ states: UnsafePointer<Float>, rows: Int, index: Int, layout: TokenLayout, normalize: Bool, role: TokenRole?) {
        let hidden = encoder.config.hiddenSize
        if let salience = salienceHeads, let role, let sink = layout.saliences {
            let u = salience.saliences(states, rows: rows, isQuery: role == .query)
            (sink.pointer + layout.starts[index]).update(from: u, count: rows)
        }
        let heads = tokenHeads
        var vectors = states
        var projected: [UnsafeMutablePointer<Float>] = []
        defer { projected.forEach { $0.deallocate() } }
        let workspace = FloatBuffer(capacity: heads.isEmpty ? 0 : LinearWeights.workspaceSize)
        for head in heads {
            let next = UnsafeMutablePointer<Float>.allocate(capacity: rows * head.outputs)
            head.apply(rows: rows, vectors, into: next, workspace: workspace)
            projected.append(next)
            vectors = UnsafePointer(next)
        }
        let stride = heads.isEmpty ? hidden : tokenDimension, width = layout.width
        for r in 0..<rows {
            let target = layout.output.pointer + (layout.starts[index] + r) * width
            target.update(from: vectors + r * stride, count: width)
            if normalize { VectorKernels.l2Normalize(target, count: width) }
        }
    }

    func outputWidth(_ dimension: Int?, of full: Int) throws(ModelError) -> Int {
        guard let dimension else { return full }
        guard dimension >= 1 && dimension <= full else {
            throw ModelError(.invalidInput, "dimension \(dimension) must be between 1 and the model's \(full)")
        }
        return dimension
    }

    /// Encodes `inputs` in length-sorted batches on `options.threads` workers and hands each sequence's
    /// hidden states to `body(inputIndex, states, rowCount)` (called concurrently for different inputs).
    public func run(_ inputs: [EncoderInput], options: EmbedOptions,
                    _ body: @Sendable (_ index: Int, _ states: UnsafePointer<Float>, _ rows: Int) -> Void) throws {
        for input in inputs { try encoder.validate(input) }
        let batches = BatchPlanner.plan(lengths: inputs.map(\.ids.count), batchSize: max(1, options.batchSize),
                                        threads: max(1, options.threads))
        let threads = max(1, min(options.threads, batches.count))
        let workspaces = (0..<threads).map { _ in EncoderWorkspace() }
        let encoder = self.encoder
        let hidden = encoder.config.hiddenSize
        Parallel.forEach(count: batches.count, threads: threads) { worker, b in
            let batch = batches[b]
            let (states, starts) = encoder.encode(batch.map { inputs[$0] }, workspace: workspaces[worker])
            for (position, index) in batch.enumerated() {
                body(index, UnsafePointer(states + starts[position] * hidden), inputs[index].ids.count)
            }
        }
    }
}

/// Groups sequences into batches of similar length (longest first) so little work is wasted and big
/// GEMMs stay big; splits work so every thread gets some.
public enum BatchPlanner {
    /// Most tokens in one batch (bounds workspace memory: about 40 KB per token for MiniLM).
    public static let maxTokensPerBatch = 8192

    /// Index batches covering `0..<lengths.count`.
    public static func plan(lengths: [Int], batchSize: Int, threads: Int) -> [[Int]] {
        let order = lengths.indices.sorted { lengths[$0] != lengths[$1] ? lengths[$0] > lengths[$1] : $0 < $1 }
        // Small inputs: shrink batches so that every thread has work.
        let perThread = (lengths.count + threads - 1) / max(threads, 1)
        let size = max(1, min(batchSize, perThread))
        var batches: [[Int]] = []
        var current: [Int] = []
        var tokens = 0
        for i in order {
            if !current.isEmpty && (current.count >= size || tokens + lengths[i] > maxTokensPerBatch) {
                batches.append(current)
                current = []
                tokens = 0
            }
            current.append(i)
            tokens += lengths[i]
        }
        if !current.isEmpty { batches.append(current) }
        return batches
    }
}

/// Where the token vectors (and saliences) of a batch of inputs go: each sequence writes its own rows, from the
/// encoder's worker threads.
private final class TokenLayout: @unchecked Sendable {
    let starts: [Int]
    let width: Int
    let output: UnsafeSendablePointer<Float>
    let saliences: UnsafeSendablePointer<Float>?
    private let rows: Int

    init(_ inputs: [EncoderInput], width: Int, saliences: Bool) {
        var offsets = [0]
        offsets.reserveCapacity(inputs.count + 1)
        for input in inputs { offsets.append(offsets[offsets.count - 1] + input.ids.count) }
        starts = offsets
        self.width = width
        rows = offsets[inputs.count]
        let out = UnsafeMutablePointer<Float>.allocate(capacity: max(1, rows * width))
        out.initialize(repeating: 0, count: max(1, rows * width))
        output = UnsafeSendablePointer(out)
        if saliences {
            let u = UnsafeMutablePointer<Float>.allocate(capacity: max(1, rows))
            u.initialize(repeating: 0, count: max(1, rows))
            self.saliences = UnsafeSendablePointer(u)
        } else {
            self.saliences = nil
        }
    }

    /// The filled rows as token vectors.
    var vectors: TokenVectors {
        TokenVectors(vectors: Array(UnsafeBufferPointer(start: output.pointer, count: rows * width)), offsets: starts, dimension: width,
                     saliences: saliences.map { Array(UnsafeBufferPointer(start: $0.pointer, count: rows)) })
    }

    func deallocate() {
        output.pointer.deallocate()
        saliences?.pointer.deallocate()
    }
}
