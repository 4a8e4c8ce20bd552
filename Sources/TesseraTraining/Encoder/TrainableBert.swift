import TesseraKernels
import TesseraModels

/// The weights of one transformer layer being trained (Q, K and V fused as in inference: one `[3h, h]` matrix).
public struct TrainableLayer: Sendable {
    let qkv: TrainableTensor          // [3h, h]
    let qkvBias: TrainableTensor      // [3h]
    let attentionOutput: TrainableTensor
    let attentionOutputBias: TrainableTensor
    let attentionNormGamma: TrainableTensor
    let attentionNormBeta: TrainableTensor
    let intermediate: TrainableTensor // [i, h]
    let intermediateBias: TrainableTensor
    let output: TrainableTensor       // [h, i]
    let outputBias: TrainableTensor
    let outputNormGamma: TrainableTensor
    let outputNormBeta: TrainableTensor
}

/// A BERT encoder whose weights are owned, mutable and have gradients: the model `TesseraTraining` trains.
///
/// Made from loaded ``BertWeights`` (a copy), it runs a training forward pass that records what the backward pass
/// needs (``EncoderTape``), the backward pass itself, and writes its weights back as a checkpoint under the
/// checkpoint's own names.
public final class TrainableBert: @unchecked Sendable {
    /// The model's sizes.
    public let config: BertConfig
    let word: TrainableTensor
    let position: TrainableTensor
    let type: TrainableTensor
    let embeddingNormGamma: TrainableTensor
    let embeddingNormBeta: TrainableTensor
    let layers: [TrainableLayer]
    /// The `Dense` heads applied in order to the pooled embedding.
    public let heads: [TrainableDense]
    /// The token head: `Dense` modules applied in order to every token state (a multi-vector model's projection).
    public let tokenHeads: [TrainableDense]
    /// AligneR's salience heads (on the encoder's token states), if the model has them.
    public let salience: TrainableSalience?
    /// Every trainable tensor under its checkpoint name, in checkpoint order: the encoder's, then each head's and each
    /// token head's (`<module path>/linear.weight`, ...).
    public let parameters: [Parameter]
    /// Memory of activations and their gradients, reused from step to step.
    let pool = MatrixPool()

    /// Width of the embedding the loss sees (after the heads).
    public var embeddingWidth: Int { heads.last?.outputs ?? config.hiddenSize }

    /// Width of the token vectors a multi-vector loss sees (after the token head).
    public var tokenWidth: Int { tokenHeads.last?.outputs ?? config.hiddenSize }

    /// Every module folder with trainable weights (pooled heads, the token head, the salience heads).
    public var modules: [any TrainableModule] { heads + tokenHeads + (salience.map { [$0] } ?? []) }

    /// Copies `weights`, `heads` and `tokenHeads` into trainable tensors; `newTokenHead` appends a freshly initialised
    /// token projection after them; `salience` adds AligneR's salience heads.
    public init(weights: BertWeights, heads: [DenseHead] = [], tokenHeads: [DenseHead] = [], newTokenHead: TrainableDense? = nil,
                salience: TrainableSalience? = nil) throws {
        let config = weights.config
        self.config = config
        func copy(_ name: String) throws -> TrainableTensor {
            guard let t = weights.tensor(name) else { throw TrainingError(.invalidModel, "missing weight \(name)") }
            return TrainableTensor(shape: t.shape, copying: t.pointer)
        }
        func fused(_ names: [String], shape: [Int]) throws -> TrainableTensor {
            var values: [Float] = []
            for name in names {
                guard let t = weights.tensor(name) else { throw TrainingError(.invalidModel, "missing weight \(name)") }
                values += t.values
            }
            return TrainableTensor(value: Matrix(shape: shape, values: values))
        }
        word = try copy(BertTensorNames.wordEmbeddings)
        position = try copy(BertTensorNames.positionEmbeddings)
        type = try copy(BertTensorNames.typeEmbeddings)
        embeddingNormGamma = try copy(BertTensorNames.embeddingNormWeight)
        embeddingNormBeta = try copy(BertTensorNames.embeddingNormBias)
        let h = config.hiddenSize
        var layers: [TrainableLayer] = []
        var parameters = [word.parameter(BertTensorNames.wordEmbeddings), position.parameter(BertTensorNames.positionEmbeddings),
                          type.parameter(BertTensorNames.typeEmbeddings),
                          embeddingNormGamma.parameter(BertTensorNames.embeddingNormWeight),
                          embeddingNormBeta.parameter(BertTensorNames.embeddingNormBias)]
        for i in 0..<config.numLayers {
            let n = BertTensorNames.Layer(i)
            let layer = TrainableLayer(
                qkv: try fused([n.query + ".weight", n.key + ".weight", n.value + ".weight"], shape: [3 * h, h]),
                qkvBias: try fused([n.query + ".bias", n.key + ".bias", n.value + ".bias"], shape: [3 * h]),
                attentionOutput: try copy(n.attentionOutput + ".weight"), attentionOutputBias: try copy(n.attentionOutput + ".bias"),
                attentionNormGamma: try copy(n.attentionNorm + ".weight"), attentionNormBeta: try copy(n.attentionNorm + ".bias"),
                intermediate: try copy(n.intermediate + ".weight"), intermediateBias: try copy(n.intermediate + ".bias"),
                output: try copy(n.output + ".weight"), outputBias: try copy(n.output + ".bias"),
                outputNormGamma: try copy(n.outputNorm + ".weight"), outputNormBeta: try copy(n.outputNorm + ".bias"))
            layers.append(layer)
            parameters += [
                layer.qkv.parameter(n.query + ".weight", shape: [h, h], offset: 0),
                layer.qkvBias.parameter(n.query + ".bias", shape: [h], offset: 0),
                layer.qkv.parameter(n.key + ".weight", shape: [h, h], offset: h * h),
                layer.qkvBias.parameter(n.key + ".bias", shape: [h], offset: h),
                layer.qkv.parameter(n.value + ".weight", shape: [h, h], offset: 2 * h * h),
                layer.qkvBias.parameter(n.value + ".bias", shape: [h], offset: 2 * h),
                layer.attentionOutput.parameter(n.attentionOutput + ".weight"),
                layer.attentionOutputBias.parameter(n.attentionOutput + ".bias"),
                layer.attentionNormGamma.parameter(n.attentionNorm + ".weight"),
                layer.attentionNormBeta.parameter(n.attentionNorm + ".bias"),
                layer.intermediate.parameter(n.intermediate + ".weight"),
                layer.intermediateBias.parameter(n.intermediate + ".bias"),
                layer.output.parameter(n.output + ".weight"),
                layer.outputBias.parameter(n.output + ".bias"),
                layer.outputNormGamma.parameter(n.outputNorm + ".weight"),
                layer.outputNormBeta.parameter(n.outputNorm + ".bias"),
            ]
        }
        self.layers = layers
        let pooledHeads = heads.map(TrainableDense.init)
        let tokenModules = tokenHeads.map(TrainableDense.init) + (newTokenHead.map { [$0] } ?? [])
        for chain in [pooledHeads, tokenModules] {
            var width = h
            for head in chain {
                guard head.inputs == width else {
                    throw TrainingError(.invalidModel, "\(head.path): in_features \(head.inputs), but its input is \(width) wide")
                }
                width = head.outputs
            }
        }
        if let salience, salience.inputs != h {
            throw TrainingError(.invalidModel, "\(salience.path): in_features \(salience.inputs), but the encoder is \(h) wide")
        }
        self.heads = pooledHeads
        self.tokenHeads = tokenModules
        self.salience = salience
        self.parameters = parameters + (pooledHeads + tokenModules).flatMap(\.parameters) + (salience?.parameters ?? [])
    }

    /// Sets every gradient to zero.
    public func zeroGradients() {
        var seen = Set<ObjectIdentifier>()
        for p in parameters where seen.insert(ObjectIdentifier(p.gradientStorage)).inserted { p.gradientStorage.zero() }
    }
}
