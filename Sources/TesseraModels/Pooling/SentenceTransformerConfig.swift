import Foundation
import TesseraIO

/// How token states become one vector.
public enum PoolingMode: String, Sendable, CaseIterable {
    /// Mean of the real tokens' states (masked mean).
    case mean
    /// The first token's (`[CLS]`) state.
    case cls
    /// Element-wise maximum over the real tokens.
    case max
}

/// What a sentence-transformers folder says about its pipeline: pooling, `Dense` heads, normalisation, max length.
///
/// Read from `modules.json`, the pooling module's `config.json` and `sentence_bert_config.json`. A folder
/// without `modules.json` is a plain transformers model: mean pooling with L2 normalisation is assumed.
/// `Dense` modules before any pooling act on every token: they are the token head of a multi-vector model (PyLate's
/// layout: `Transformer` then `Dense`, no pooling).
public struct SentenceTransformerConfig: Sendable, Equatable {
    /// The pooling the folder asks for.
    public var pooling: PoolingMode
    /// Whether vectors are L2-normalised after pooling.
    public var normalize: Bool
    /// `max_seq_length` from `sentence_bert_config.json`, if present.
    public var maxSeqLength: Int?
    /// The `Dense` modules after pooling, in order (their folders relative to the model folder).
    public var denseModules: [String]
    /// The `Dense` modules before pooling, in order: applied to every token state (a multi-vector token head).
    public var tokenModules: [String]

    /// Makes a configuration.
    public init(pooling: PoolingMode, normalize: Bool, maxSeqLength: Int?, denseModules: [String] = [], tokenModules: [String] = []) {
        self.pooling = pooling
        self.normalize = normalize
        self.maxSeqLength = maxSeqLength
        self.denseModules = denseModules
        self.tokenModules = tokenModules
    }

    /// Reads the configuration of the folder at `folder`.
    public init(folder: String) throws(ModelError) {
        var pooling = PoolingMode.mean
        var normalize = true
        var dense: [String] = []
        var tokenModules: [String] = []
        var pooled = false
        let modulesPath = folder + "/modules.json"
        if FileManager.default.fileExists(atPath: modulesPath) {
            let modules = try Self.readJSON(modulesPath)
            guard let list = modules.arrayValue else { throw ModelError(.invalidConfig, "\(modulesPath): expected a JSON array") }
            normalize = false
            for module in list {
                guard let type = module.objectValue?["type"]?.stringValue else {
                    throw ModelError(.invalidConfig, "\(modulesPath): module without a type")
                }
                let path = module.objectValue?["path"]?.stringValue ?? ""
                switch type.split(separator: ".").last.map(String.init) ?? type {
                case "Transformer":
                    continue
                case "Pooling":
                    pooling = try Self.readPooling(folder + "/" + path + "/config.json")
                    pooled = true
                case "Dense":
                    guard !normalize else { throw ModelError(.unsupported, "unsupported: a Dense module after Normalize in \(modulesPath)") }
                    if pooled { dense.append(path) } else { tokenModules.append(path) }
                case "Normalize":
                    normalize = true
                default:
                    throw ModelError(.unsupported, "unsupported: sentence-transformers module \(type) in \(modulesPath)")
                }
            }
        }
        var maxSeqLength: Int? = nil
        let stConfig = folder + "/sentence_bert_config.json"
        if FileManager.default.fileExists(atPath: stConfig) {
            maxSeqLength = try Self.readJSON(stConfig).objectValue?["max_seq_length"]?.intValue
        }
        self.init(pooling: pooling, normalize: normalize, maxSeqLength: maxSeqLength, denseModules: dense, tokenModules: tokenModules)
    }

    static func readPooling(_ path: String) throws(ModelError) -> PoolingMode {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ModelError(.missingFile, "pooling config not found at \(path)")
        }
        guard let o = try readJSON(path).objectValue else { throw ModelError(.invalidConfig, "\(path): not a JSON object") }
        var modes: [PoolingMode] = []
        // sentence-transformers 6 writes one string, `"pooling_mode": "mean"` (or a list of them); earlier versions
        // one boolean per mode.
        if let value = o["pooling_mode"] {
            let names = value.stringValue.map { [$0] } ?? (value.arrayValue ?? []).compactMap(\.stringValue)
            for name in names {
                switch name {
                case "mean", "mean_tokens": modes.append(.mean)
                case "cls", "cls_token": modes.append(.cls)
                case "max", "max_tokens": modes.append(.max)
                default: throw ModelError(.unsupported, "unsupported: pooling_mode \(name) in \(path)")
                }
            }
        }
        if o["pooling_mode_mean_tokens"]?.boolValue == true { modes.append(.mean) }
        if o["pooling_mode_cls_token"]?.boolValue == true { modes.append(.cls) }
        if o["pooling_mode_max_tokens"]?.boolValue == true { modes.append(.max) }
        for key in ["pooling_mode_mean_sqrt_len_tokens", "pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken"]
        where o[key]?.boolValue == true {
            throw ModelError(.unsupported, "unsupported: \(key) in \(path)")
        }
        guard modes.count == 1, let mode = modes.first else {
            throw ModelError(.unsupported, "unsupported: \(modes.count) pooling modes at once in \(path) (exactly one expected)")
        }
        return mode
    }

    static func readJSON(_ path: String) throws(ModelError) -> JSONValue {
        let bytes: [UInt8]
        do { bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            throw ModelError(.missingFile, "cannot read \(path)")
        }
        do { return try JSONValue.parse(bytes) } catch { throw ModelError(.invalidConfig, "\(path): invalid JSON: \(error)") }
    }
}
