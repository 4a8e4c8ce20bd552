import Foundation
import TesseraIO

/// The sizes of a BERT encoder, read from a Hugging Face `config.json`.
public struct BertConfig: Sendable, Equatable {
    /// Vocabulary size (rows of the word embedding).
    public var vocabSize: Int
    /// Hidden size h.
    public var hiddenSize: Int
    /// Number of transformer layers.
    public var numLayers: Int
    /// Number of attention heads (h must be a multiple).
    public var numHeads: Int
    /// Feed-forward inner size.
    public var intermediateSize: Int
    /// Longest input the position embedding covers.
    public var maxPositions: Int
    /// Number of token types (segments).
    public var typeVocabSize: Int
    /// LayerNorm epsilon.
    public var layerNormEps: Float

    /// Size of one attention head.
    public var headSize: Int { hiddenSize / numHeads }

    /// Makes a configuration from explicit sizes.
    public init(vocabSize: Int, hiddenSize: Int, numLayers: Int, numHeads: Int, intermediateSize: Int,
                maxPositions: Int, typeVocabSize: Int, layerNormEps: Float) {
        self.vocabSize = vocabSize
        self.hiddenSize = hiddenSize
        self.numLayers = numLayers
        self.numHeads = numHeads
        self.intermediateSize = intermediateSize
        self.maxPositions = maxPositions
        self.typeVocabSize = typeVocabSize
        self.layerNormEps = layerNormEps
    }

    /// Reads and checks `config.json`; unsupported architectures or activations are refused by name.
    public init(contentsOf path: String) throws(ModelError) {
        let bytes: [UInt8]
        do { bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            throw ModelError(.missingFile, "config.json not found or unreadable at \(path)")
        }
        let json: JSONValue
        do { json = try JSONValue.parse(bytes) } catch { throw ModelError(.invalidConfig, "\(path): invalid JSON: \(error)") }
        guard let o = json.objectValue else { throw ModelError(.invalidConfig, "\(path): not a JSON object") }
        func int(_ key: String, default value: Int? = nil) throws(ModelError) -> Int {
            if let v = o[key]?.intValue, v > 0 { return v }
            if o[key] == nil, let value { return value }
            throw ModelError(.invalidConfig, "\(path): \(key) missing or not a positive integer")
        }
        if let type = o["model_type"]?.stringValue, type != "bert" {
            throw ModelError(.unsupported, "unsupported: model_type \(type) (only bert is supported)")
        }
        if let act = o["hidden_act"]?.stringValue, act != "gelu" {
            throw ModelError(.unsupported, "unsupported: hidden_act \(act) (only exact gelu is supported)")
        }
        if let pos = o["position_embedding_type"]?.stringValue, pos != "absolute" {
            throw ModelError(.unsupported, "unsupported: position_embedding_type \(pos)")
        }
        self.init(
            vocabSize: try int("vocab_size"),
            hiddenSize: try int("hidden_size"),
            numLayers: try int("num_hidden_layers"),
            numHeads: try int("num_attention_heads"),
            intermediateSize: try int("intermediate_size"),
            maxPositions: try int("max_position_embeddings", default: 512),
            typeVocabSize: try int("type_vocab_size", default: 2),
            layerNormEps: Float(o["layer_norm_eps"]?.doubleValue ?? 1e-12)
        )
        guard hiddenSize % numHeads == 0 else {
            throw ModelError(.invalidConfig, "\(path): hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(numHeads)")
        }
    }
}
