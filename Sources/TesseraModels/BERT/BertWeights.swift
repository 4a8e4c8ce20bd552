import TesseraKernels

/// The weights of one transformer layer, with Q, K and V fused into one `[3h, h]` projection.
public struct BertLayerWeights: Sendable {
    let qkv: LinearWeights          // [3h, h]
    let qkvBias: FloatTensor        // [3h]
    let attnOut: LinearWeights      // [h, h]
    let attnOutBias: FloatTensor
    let attnNormGamma: FloatTensor
    let attnNormBeta: FloatTensor
    let ffnIn: LinearWeights        // [i, h]
    let ffnInBias: FloatTensor
    let ffnOut: LinearWeights       // [h, i]
    let ffnOutBias: FloatTensor
    let ffnNormGamma: FloatTensor
    let ffnNormBeta: FloatTensor
}

/// All weights of a BERT encoder, checked against the configuration's shapes.
public struct BertWeights: Sendable {
    let wordEmbeddings: FloatTensor
    let positionEmbeddings: FloatTensor
    let typeEmbeddings: FloatTensor
    let embeddingNormGamma: FloatTensor
    let embeddingNormBeta: FloatTensor
    let layers: [BertLayerWeights]

    /// Loads the weights named as in Hugging Face BERT checkpoints (with or without a `bert.` prefix,
    /// LayerNorm as `weight`/`bias` or the older `gamma`/`beta`).
    public init(file: SafeTensorsFile, config: BertConfig) throws(ModelError) {
        let h = config.hiddenSize
        func tensor(_ name: String, _ shape: [Int]) throws(ModelError) -> FloatTensor {
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
            return t
        }
        wordEmbeddings = try tensor("embeddings.word_embeddings.weight", [config.vocabSize, h])
        positionEmbeddings = try tensor("embeddings.position_embeddings.weight", [config.maxPositions, h])
        typeEmbeddings = try tensor("embeddings.token_type_embeddings.weight", [config.typeVocabSize, h])
        embeddingNormGamma = try tensor("embeddings.LayerNorm.weight", [h])
        embeddingNormBeta = try tensor("embeddings.LayerNorm.bias", [h])
        var layers: [BertLayerWeights] = []
        for i in 0..<config.numLayers {
            let p = "encoder.layer.\(i)."
            let q = try tensor(p + "attention.self.query.weight", [h, h])
            let k = try tensor(p + "attention.self.key.weight", [h, h])
            let v = try tensor(p + "attention.self.value.weight", [h, h])
            let qb = try tensor(p + "attention.self.query.bias", [h])
            let kb = try tensor(p + "attention.self.key.bias", [h])
            let vb = try tensor(p + "attention.self.value.bias", [h])
            layers.append(BertLayerWeights(
                qkv: Self.linear(Self.concatenate([q, k, v], shape: [3 * h, h])),
                qkvBias: Self.concatenate([qb, kb, vb], shape: [3 * h]),
                attnOut: Self.linear(try tensor(p + "attention.output.dense.weight", [h, h])),
                attnOutBias: try tensor(p + "attention.output.dense.bias", [h]),
                attnNormGamma: try tensor(p + "attention.output.LayerNorm.weight", [h]),
                attnNormBeta: try tensor(p + "attention.output.LayerNorm.bias", [h]),
                ffnIn: Self.linear(try tensor(p + "intermediate.dense.weight", [config.intermediateSize, h])),
                ffnInBias: try tensor(p + "intermediate.dense.bias", [config.intermediateSize]),
                ffnOut: Self.linear(try tensor(p + "output.dense.weight", [h, config.intermediateSize])),
                ffnOutBias: try tensor(p + "output.dense.bias", [h]),
                ffnNormGamma: try tensor(p + "output.LayerNorm.weight", [h]),
                ffnNormBeta: try tensor(p + "output.LayerNorm.bias", [h])
            ))
        }
        self.layers = layers
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
