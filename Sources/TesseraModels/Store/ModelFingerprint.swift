import Foundation
import TesseraIO

/// A short identity of a model folder, recorded in indexes so that an index is never queried with
/// another model.
///
/// SHA-256 over `config.json`, `tokenizer.json`, the sentence-transformers pooling files, any `Dense` head (pooled or token), AligneR's salience heads, the size and
/// header of `model.safetensors` and 64 evenly spaced 64 KiB samples of its weights: cheap to compute
/// (about 4 MiB read) and different for any fine-tune that changes the sampled weights.
public enum ModelFingerprint {
    /// The fingerprint of the folder at `folder`, as 64 hex digits.
    public static func compute(folder: String) throws -> String {
        var hasher = SHA256()
        var names = ["config.json", "tokenizer.json", "modules.json", "1_Pooling/config.json", "sentence_bert_config.json"]
        // Dense heads change every pooled (or, for a token head, every token) vector: their configuration and (small)
        // weights are hashed whole.
        if let config = try? SentenceTransformerConfig(folder: folder) {
            for path in config.denseModules + config.tokenModules { names += [path + "/config.json", path + "/model.safetensors"] }
        }
        // AligneR's salience heads change every salience (pruning and alignment weights).
        names += [SalienceHeads.defaultPath + "/config.json", SalienceHeads.defaultPath + "/model.safetensors"]
        for name in names {
            let path = folder + "/" + name
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            Array(name.utf8).withUnsafeBytes { hasher.update($0) }
            data.withUnsafeBytes { hasher.update($0) }
        }
        let weights = try MappedFile(path: folder + "/model.safetensors")
        let bytes = weights.bytes
        var size = UInt64(bytes.count).littleEndian
        withUnsafeBytes(of: &size) { hasher.update($0) }
        if bytes.count >= 8 {
            let headerLength = Int(min(UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self)), UInt64(bytes.count - 8)))
            hasher.update(UnsafeRawBufferPointer(rebasing: bytes[0..<(8 + headerLength)]))
        }
        let sample = 64 * 1024
        let samples = 64
        if bytes.count <= sample * samples {
            hasher.update(bytes)
        } else {
            let step = (bytes.count - sample) / (samples - 1)
            for i in 0..<samples {
                let start = i * step
                hasher.update(UnsafeRawBufferPointer(rebasing: bytes[start..<(start + sample)]))
            }
        }
        return hasher.finalizeHex()
    }
}

extension EmbeddingModel {
    /// The identity recorded in indexes: `{"fingerprint": …}` (see ``ModelFingerprint``).
    public func identity() throws -> JSONValue {
        var object = JSONObject()
        object.entries.append((key: "fingerprint", value: .string(try ModelFingerprint.compute(folder: folder))))
        return .object(object)
    }
}
