import TesseraKernels

/// All weights of a BERT encoder, checked against the configuration's shapes: the layers ready for inference
/// (Q, K and V fused, GEMM weights packed) and every tensor under its checkpoint name (``BertTensorNames``).
public struct BertWeights: Sendable {
    /// The configuration the shapes were checked against.
    public let config: BertConfig
    let embeddings: BertEmbeddings
    let layers: [BertLayer]
    private let byName: [String: FloatTensor]

    /// Every tensor under its checkpoint name, in ``BertTensorNames/all(_:)`` order (the original, unfused Q, K, V).
    public var tensors: [(name: String, tensor: FloatTensor)] {
        BertTensorNames.all(config).compactMap { entry in byName[entry.name].map { (entry.name, $0) } }
    }

    /// The tensor named `name` in ``BertTensorNames`` (nil if there is no such tensor).
    public func tensor(_ name: String) -> FloatTensor? { byName[name] }

    /// Loads the weights named as in Hugging Face BERT checkpoints (with or without a `bert.` prefix,
    /// LayerNorm as `weight`/`bias` or the older `gamma`/`beta`).
    public init(file: SafeTensorsFile, config: BertConfig) throws(ModelError) {
        var byName: [String: FloatTensor] = [:]
        for (name, shape) in BertTensorNames.all(config) {
            var candidates = [name, "bert." + name]
            if name.hasSuffix("LayerNorm.weight") {
                let old = String(name.dropLast("weight".count)) + "gamma"
                candidates += [old, "bert." + old]
            } else if name.hasSuffix("LayerNorm.bias") {
                let old = String(name.dropLast("bias".count)) + "beta"
                candidates += [old, "bert." + old]
            }
            guard let found = candidates.first(where: { file.tensors[$0] != nil }) else {
                throw ModelError(.missingTensor, "\(file.file.path): missing weight \(name)")
            }
            let t = try file.floats(found)
            guard t.shape == shape else {
                throw ModelError(.wrongShape, "\(file.file.path): weight \(found) has shape \(t.shape), expected \(shape)")
            }
            byName[name] = t
        }
        try self.init(config: config, tensors: byName)
    }

    /// Assembles weights from tensors under their ``BertTensorNames`` (all of them, with the right shapes), e.g.
    /// a model being trained.
    public init(config: BertConfig, tensors byName: [String: FloatTensor]) throws(ModelError) {
        func t(_ name: String) throws(ModelError) -> FloatTensor {
            guard let tensor = byName[name] else { throw ModelError(.missingTensor, "missing weight \(name)") }
            return tensor
        }
        for (name, shape) in BertTensorNames.all(config) {
            let tensor = try t(name)
            guard tensor.shape == shape else { throw ModelError(.wrongShape, "weight \(name) has shape \(tensor.shape), expected \(shape)") }
        }
        let h = config.hiddenSize
        self.config = config
        self.byName = byName
        embeddings = BertEmbeddings(
            word: try t(BertTensorNames.wordEmbeddings), position: try t(BertTensorNames.positionEmbeddings),
            type: try t(BertTensorNames.typeEmbeddings), normGamma: try t(BertTensorNames.embeddingNormWeight),
            normBeta: try t(BertTensorNames.embeddingNormBias))
        var layers: [BertLayer] = []
        for i in 0..<config.numLayers {
            let n = BertTensorNames.Layer(i)
            layers.append(BertLayer(
                qkv: Self.linear(Self.concatenate([try t(n.query + ".weight"), try t(n.key + ".weight"), try t(n.value + ".weight")],
                                                  shape: [3 * h, h])),
                qkvBias: Self.concatenate([try t(n.query + ".bias"), try t(n.key + ".bias"), try t(n.value + ".bias")], shape: [3 * h]),
                attnOut: Self.linear(try t(n.attentionOutput + ".weight")),
                attnOutBias: try t(n.attentionOutput + ".bias"),
                attnNormGamma: try t(n.attentionNorm + ".weight"),
                attnNormBeta: try t(n.attentionNorm + ".bias"),
                ffnIn: Self.linear(try t(n.intermediate + ".weight")),
                ffnInBias: try t(n.intermediate + ".bias"),
                ffnOut: Self.linear(try t(n.output + ".weight")),
                ffnOutBias: try t(n.output + ".bias"),
                ffnNormGamma: try t(n.outputNorm + ".weight"),
                ffnNormBeta: try t(n.outputNorm + ".bias")))
        }
        self.layers = layers
    }

    /// Writes every tensor under its checkpoint name (unfused) to a `.safetensors` file at `path`, atomically.
    public func write(to path: String) throws(ModelError) {
        let list = tensors
        try withExtendedLifetime(list) { () throws(ModelError) in
            try SafeTensorsWriter.write(list.map { SafeTensorsWriter.Entry(
                name: $0.name, shape: $0.tensor.shape, values: UnsafeBufferPointer(start: $0.tensor.pointer, count: $0.tensor.count)) },
                to: path)
        }
    }

    private static func linear(_ t: FloatTensor) -> LinearWeights {
        LinearWeights(weight: t.pointer, outputs: t.shape[0], inputs: t.shape[1], owner: t.storage)
    }

    private static func concatenate(_ parts: [FloatTensor], shape: [Int]) -> FloatTensor {
        var values: [Float] = []
        values.reserveCapacity(shape.reduce(1, *))
        for p in parts { values.append(contentsOf: p.values) }
        return FloatTensor(shape: shape, values: values)
    }
}
