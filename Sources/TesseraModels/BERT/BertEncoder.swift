import TesseraKernels

/// One input sequence for the encoder: token ids and segment (type) ids of equal length.
public struct EncoderInput: Sendable {
    /// Token ids, special tokens included.
    public var ids: [Int32]
    /// Token type ids (0 for single texts).
    public var typeIds: [Int32]
    /// The tokens other tokens attend to: the first `attendedLength` (an attention mask of ones then zeros, as PyLate's
    /// query expansion without attention to its `[MASK]` tokens); nil: every token.
    public var attendedLength: Int?
    /// Makes an input; `typeIds` defaults to all zeros.
    public init(ids: [Int32], typeIds: [Int32]? = nil, attendedLength: Int? = nil) {
        self.ids = ids
        self.typeIds = typeIds ?? [Int32](repeating: 0, count: ids.count)
        self.attendedLength = attendedLength
    }
}

/// Scratch memory for one worker running the encoder; reused across batches, never shared.
public final class EncoderWorkspace: @unchecked Sendable {
    let hidden = FloatBuffer()
    let qkv = FloatBuffer()
    let context = FloatBuffer()
    let projected = FloatBuffer()
    let intermediate = FloatBuffer()
    let scores = FloatBuffer()
    let gemm = FloatBuffer(capacity: LinearWeights.workspaceSize)
    /// Makes an empty workspace (buffers grow on first use).
    public init() {}
}

/// A BERT encoder (post-LayerNorm transformer) running on packed batches: the sequences of a batch are
/// laid end to end without padding, every linear layer is one GEMM over all their tokens, and attention
/// runs per sequence over its real length only, so padding cannot change any output.
public final class BertEncoder: Sendable {
    /// The model's sizes.
    public let config: BertConfig
    let weights: BertWeights

    /// Makes an encoder from loaded weights.
    public init(config: BertConfig, weights: BertWeights) {
        self.config = config
        self.weights = weights
    }

    /// Checks that `input` can be encoded: ids inside the vocabulary, length within the position table.
    public func validate(_ input: EncoderInput) throws(ModelError) {
        guard !input.ids.isEmpty else { throw ModelError(.invalidInput, "empty token sequence") }
        guard input.ids.count <= config.maxPositions else {
            throw ModelError(.invalidInput, "sequence of \(input.ids.count) tokens exceeds the model's \(config.maxPositions) positions")
        }
        guard input.typeIds.count == input.ids.count else { throw ModelError(.invalidInput, "type ids and ids differ in length") }
        for id in input.ids where id < 0 || Int(id) >= config.vocabSize {
            throw ModelError(.invalidInput, "token id \(id) outside the vocabulary of \(config.vocabSize)")
        }
        for t in input.typeIds where t < 0 || Int(t) >= config.typeVocabSize {
            throw ModelError(.invalidInput, "token type id \(t) outside 0..<\(config.typeVocabSize)")
        }
        if let attended = input.attendedLength, attended < 1 || attended > input.ids.count {
            throw ModelError(.invalidInput, "attended length \(attended) outside 1...\(input.ids.count)")
        }
    }

    /// Encodes a batch; returns the last hidden states, `[total tokens × hidden]` in input order (sequence
    /// i occupies rows `starts[i] ..< starts[i] + inputs[i].ids.count`), valid until the workspace is reused.
    ///
    /// Inputs must have passed `validate`. BLAS is called on the calling thread only.
    public func encode(_ inputs: [EncoderInput], workspace ws: EncoderWorkspace) -> (states: UnsafeMutablePointer<Float>, starts: [Int]) {
        let h = config.hiddenSize
        let inter = config.intermediateSize
        var starts: [Int] = []
        starts.reserveCapacity(inputs.count)
        var total = 0
        var longest = 0
        for input in inputs {
            starts.append(total)
            total += input.ids.count
            longest = max(longest, input.ids.count)
        }
        ws.hidden.reserve(total * h)
        ws.qkv.reserve(total * 3 * h)
        ws.context.reserve(total * h)
        ws.projected.reserve(total * h)
        ws.intermediate.reserve(total * inter)
        ws.scores.reserve(max(longest * longest, VectorKernels.attentionScratchSize(length: longest, headSize: config.headSize)))
        let x = ws.hidden.pointer
        weights.embeddings.forward(inputs, starts: starts, into: x, hidden: h, epsilon: config.layerNormEps)
        let lengths = inputs.map(\.ids.count)
        let keys = inputs.map { $0.attendedLength ?? $0.ids.count }
        for layer in weights.layers {
            layer.forward(x, lengths: lengths, keys: keys, starts: starts, total: total, config: config, workspace: ws)
        }
        return (x, starts)
    }
}
