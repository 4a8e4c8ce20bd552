/// The tensor names and shapes of a BERT checkpoint as Hugging Face `BertModel` saves them (no `bert.` prefix,
/// LayerNorm as `weight`/`bias`, Q, K and V as three separate projections), in the checkpoint's own order.
///
/// The loader reads these names (accepting the older prefixes and `gamma`/`beta` too), the safetensors writer and
/// the trainer write them, so a checkpoint Tessera writes loads in `transformers` as it is.
public enum BertTensorNames {
    /// Every tensor of an encoder with `config`'s sizes: name and shape, embeddings first, then each layer.
    public static func all(_ config: BertConfig) -> [(name: String, shape: [Int])] {
        let h = config.hiddenSize, i = config.intermediateSize
        var out: [(name: String, shape: [Int])] = [
            (wordEmbeddings, [config.vocabSize, h]),
            (positionEmbeddings, [config.maxPositions, h]),
            (typeEmbeddings, [config.typeVocabSize, h]),
            (embeddingNormWeight, [h]),
            (embeddingNormBias, [h]),
        ]
        for l in 0..<config.numLayers {
            let layer = Layer(l)
            out += [
                (layer.query + ".weight", [h, h]), (layer.query + ".bias", [h]),
                (layer.key + ".weight", [h, h]), (layer.key + ".bias", [h]),
                (layer.value + ".weight", [h, h]), (layer.value + ".bias", [h]),
                (layer.attentionOutput + ".weight", [h, h]), (layer.attentionOutput + ".bias", [h]),
                (layer.attentionNorm + ".weight", [h]), (layer.attentionNorm + ".bias", [h]),
                (layer.intermediate + ".weight", [i, h]), (layer.intermediate + ".bias", [i]),
                (layer.output + ".weight", [h, i]), (layer.output + ".bias", [h]),
                (layer.outputNorm + ".weight", [h]), (layer.outputNorm + ".bias", [h]),
            ]
        }
        return out
    }

    /// `embeddings.word_embeddings.weight`.
    public static let wordEmbeddings = "embeddings.word_embeddings.weight"
    /// `embeddings.position_embeddings.weight`.
    public static let positionEmbeddings = "embeddings.position_embeddings.weight"
    /// `embeddings.token_type_embeddings.weight`.
    public static let typeEmbeddings = "embeddings.token_type_embeddings.weight"
    /// `embeddings.LayerNorm.weight`.
    public static let embeddingNormWeight = "embeddings.LayerNorm.weight"
    /// `embeddings.LayerNorm.bias`.
    public static let embeddingNormBias = "embeddings.LayerNorm.bias"

    /// The module prefixes of transformer layer `index` (append `.weight` or `.bias`).
    public struct Layer: Sendable {
        /// `encoder.layer.N.attention.self.query`.
        public let query: String
        /// `encoder.layer.N.attention.self.key`.
        public let key: String
        /// `encoder.layer.N.attention.self.value`.
        public let value: String
        /// `encoder.layer.N.attention.output.dense`.
        public let attentionOutput: String
        /// `encoder.layer.N.attention.output.LayerNorm`.
        public let attentionNorm: String
        /// `encoder.layer.N.intermediate.dense`.
        public let intermediate: String
        /// `encoder.layer.N.output.dense`.
        public let output: String
        /// `encoder.layer.N.output.LayerNorm`.
        public let outputNorm: String

        /// `encoder.layer.N.`: what every tensor name of the layer starts with.
        public let prefix: String

        /// The prefixes of layer `index`.
        public init(_ index: Int) {
            let p = "encoder.layer.\(index)."
            prefix = p
            query = p + "attention.self.query"
            key = p + "attention.self.key"
            value = p + "attention.self.value"
            attentionOutput = p + "attention.output.dense"
            attentionNorm = p + "attention.output.LayerNorm"
            intermediate = p + "intermediate.dense"
            output = p + "output.dense"
            outputNorm = p + "output.LayerNorm"
        }
    }
}
