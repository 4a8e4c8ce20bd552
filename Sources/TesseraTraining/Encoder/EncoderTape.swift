import TesseraKernels
import TesseraModels

/// What one transformer layer's training forward pass records for its backward pass (its input is kept by the
/// ``EncoderTape``).
final class LayerTape: @unchecked Sendable {
    let qkv: Matrix              // [T, 3h]
    let context: Matrix          // [T, h] attention output before the projection
    let attentionNormalized: Matrix  // [T, h] x̂ of the first LayerNorm
    let attentionInverseDeviation: Matrix  // [T]
    let attentionMask: Matrix?   // [T, h] dropout of the projected attention
    let hidden: Matrix           // [T, h] after the first LayerNorm
    let preActivation: Matrix    // [T, i] u
    let phi: Matrix              // [T, i] Φ(u)
    let activation: Matrix       // [T, i] GELU(u)
    let outputNormalized: Matrix // [T, h]
    let outputInverseDeviation: Matrix  // [T]
    let outputMask: Matrix?      // [T, h]

    init(tokens t: Int, config: BertConfig, dropout: Bool, pool: MatrixPool) {
        let h = config.hiddenSize, i = config.intermediateSize
        func Matrix(shape: [Int]) -> TesseraKernels.Matrix { TesseraKernels.Matrix(shape: shape, pool: pool) }
        qkv = Matrix(shape: [t, 3 * h])
        context = Matrix(shape: [t, h])
        attentionNormalized = Matrix(shape: [t, h])
        attentionInverseDeviation = Matrix(shape: [t])
        attentionMask = dropout ? Matrix(shape: [t, h]) : nil
        hidden = Matrix(shape: [t, h])
        preActivation = Matrix(shape: [t, i])
        phi = Matrix(shape: [t, i])
        activation = Matrix(shape: [t, i])
        outputNormalized = Matrix(shape: [t, h])
        outputInverseDeviation = Matrix(shape: [t])
        outputMask = dropout ? Matrix(shape: [t, h]) : nil
    }

    var bytes: Int {
        [qkv, context, attentionNormalized, attentionInverseDeviation, hidden, preActivation, phi, activation,
         outputNormalized, outputInverseDeviation].reduce(0) { $0 + $1.count * 4 }
            + (attentionMask?.count ?? 0) * 4 + (outputMask?.count ?? 0) * 4
    }
}

/// Everything the training forward pass over one packed mini-batch records for the backward pass, and its
/// output: the last hidden states of every token, `[total tokens × h]`, sequence s from row `starts[s]`. Workers of
/// one pass write disjoint parts of it; it is never shared between passes.
///
/// With recomputation (activation checkpointing per layer) the tape keeps only each layer's input and one layer's
/// record, which the backward pass refills layer by layer by running that layer's forward again (same operations,
/// same dropout masks: bit-identical gradients, about one more forward pass of time).
public final class EncoderTape: @unchecked Sendable {
    /// The sequences, in order.
    public let inputs: [EncoderInput]
    /// Each sequence's key for dropout masks (its example's position in the whole batch).
    public let examples: [Int]
    /// First row of each sequence.
    public let starts: [Int]
    /// Total tokens.
    public let total: Int
    /// The last hidden states.
    public let output: Matrix
    let embeddingNormalized: Matrix
    let embeddingInverseDeviation: Matrix
    let embeddingMask: Matrix?
    /// Each layer's input, `[T, h]`.
    let layerInputs: [Matrix]
    /// One record per layer, or a single one that every layer refills (recomputation).
    let layers: [LayerTape]
    let dropout: DropoutMasks

    /// Whether the backward pass recomputes each layer's record from its input.
    var recomputes: Bool { layers.count == 1 && layerInputs.count > 1 }

    /// The record of layer `l`.
    func record(_ l: Int) -> LayerTape { layers[recomputes ? 0 : l] }

    init(inputs: [EncoderInput], examples: [Int], config: BertConfig, dropout: DropoutMasks, recompute: Bool, pool: MatrixPool) {
        func Matrix(shape: [Int]) -> TesseraKernels.Matrix { TesseraKernels.Matrix(shape: shape, pool: pool) }
        self.inputs = inputs
        self.examples = examples
        var starts: [Int] = []
        var total = 0
        for input in inputs {
            starts.append(total)
            total += input.ids.count
        }
        self.starts = starts
        self.total = total
        self.dropout = dropout
        let h = config.hiddenSize
        output = Matrix(shape: [total, h])
        embeddingNormalized = Matrix(shape: [total, h])
        embeddingInverseDeviation = Matrix(shape: [total])
        embeddingMask = dropout.isActive ? Matrix(shape: [total, h]) : nil
        layerInputs = (0..<config.numLayers).map { _ in Matrix(shape: [total, h]) }
        let records = recompute ? min(1, config.numLayers) : config.numLayers
        layers = (0..<records).map { _ in LayerTape(tokens: total, config: config, dropout: dropout.isActive, pool: pool) }
    }

    /// Bytes of activations held for the backward pass.
    public var activationBytes: Int {
        layers.reduce(0) { $0 + $1.bytes } + layerInputs.reduce(0) { $0 + $1.count * 4 } + (output.count + embeddingNormalized.count + embeddingInverseDeviation.count
                                               + (embeddingMask?.count ?? 0)) * 4
    }
}
