import Foundation
import TesseraKernels

/// Builds a safetensors file from (name, dtype, shape, bytes) entries, optionally breaking it.
public func makeSafeTensors(_ entries: [(String, String, [Int], [UInt8])], headerOverride: String? = nil, truncateBy: Int = 0) -> [UInt8] {
    var offset = 0
    var parts: [String] = ["\"__metadata__\": {\"format\": \"pt\"}"]
    var data: [UInt8] = []
    for (name, dtype, shape, bytes) in entries {
        let shapeText = shape.map(String.init).joined(separator: ", ")
        parts.append("\"\(name)\": {\"dtype\": \"\(dtype)\", \"shape\": [\(shapeText)], \"data_offsets\": [\(offset), \(offset + bytes.count)]}")
        offset += bytes.count
        data += bytes
    }
    var header = Array((headerOverride ?? "{" + parts.joined(separator: ", ") + "}").utf8)
    while header.count % 8 != 0 { header.append(0x20) }
    var out: [UInt8] = []
    var n = UInt64(header.count).littleEndian
    withUnsafeBytes(of: &n) { out += $0 }
    out += header + data
    return Array(out.dropLast(truncateBy))
}

public func floatBytes(_ values: [Float]) -> [UInt8] { values.withUnsafeBytes { Array($0) } }

/// A tiny random BERT folder (hidden 8, 2 heads, 1 layer) for error paths and pooling modes.
public enum TinyModel {
    public static let vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "a", "b", "##s"]

    public static func tokenizerJSON() -> String {
        let entries = vocab.enumerated().map { "\"\($0.element)\": \($0.offset)" }.joined(separator: ", ")
        let added = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].enumerated().map {
            "{\"id\": \($0.offset), \"content\": \"\($0.element)\", \"single_word\": false, \"lstrip\": false, \"rstrip\": false, \"normalized\": false, \"special\": true}"
        }.joined(separator: ", ")
        return """
        {"version": "1.0", "truncation": null, "padding": null, "added_tokens": [\(added)],
         "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": null, "lowercase": true},
         "pre_tokenizer": {"type": "BertPreTokenizer"},
         "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]},
         "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},
         "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100, "vocab": {\(entries)}}}
        """
    }

    /// Writes the folder; `breakShape` gives one weight a wrong shape; `seed` fixes the random weights (the same
    /// seed gives the same model, so a test's outcome does not change from run to run).
    public static func make(breakShape: Bool = false, pooling: String = "pooling_mode_mean_tokens", omit: String? = nil,
                            seed: UInt64 = 20261125) -> String {
        let dir = TestFolder.path("tessera-tiny")
        try? FileManager.default.createDirectory(atPath: dir + "/1_Pooling", withIntermediateDirectories: true)
        let h = 8, inter = 16, v = vocab.count, p = 16
        var rng = SplitMix64(seed: seed)
        func rand(_ n: Int) -> [UInt8] { floatBytes((0..<n).map { _ in Float.random(in: -0.5...0.5, using: &rng) }) }
        func ones(_ n: Int) -> [UInt8] { floatBytes([Float](repeating: 1, count: n)) }
        var entries: [(String, String, [Int], [UInt8])] = [
            ("embeddings.word_embeddings.weight", "F32", [v, h], rand(v * h)),
            ("embeddings.position_embeddings.weight", "F32", [p, h], rand(p * h)),
            ("embeddings.token_type_embeddings.weight", "F32", [2, h], rand(2 * h)),
            ("embeddings.LayerNorm.weight", "F32", [h], ones(h)),
            ("embeddings.LayerNorm.bias", "F32", [h], rand(h)),
        ]
        let l = "encoder.layer.0."
        for name in ["query", "key", "value"] {
            entries.append((l + "attention.self.\(name).weight", "F32", [h, h], rand(h * h)))
            entries.append((l + "attention.self.\(name).bias", "F32", [h], rand(h)))
        }
        entries += [
            (l + "attention.output.dense.weight", "F32", breakShape ? [h, h + 1] : [h, h], rand(breakShape ? h * (h + 1) : h * h)),
            (l + "attention.output.dense.bias", "F32", [h], rand(h)),
            (l + "attention.output.LayerNorm.weight", "F32", [h], ones(h)),
            (l + "attention.output.LayerNorm.bias", "F32", [h], rand(h)),
            (l + "intermediate.dense.weight", "F32", [inter, h], rand(inter * h)),
            (l + "intermediate.dense.bias", "F32", [inter], rand(inter)),
            (l + "output.dense.weight", "F32", [h, inter], rand(h * inter)),
            (l + "output.dense.bias", "F32", [h], rand(h)),
            (l + "output.LayerNorm.weight", "F32", [h], ones(h)),
            (l + "output.LayerNorm.bias", "F32", [h], rand(h)),
        ]
        let files: [String: [UInt8]] = [
            "model.safetensors": makeSafeTensors(entries),
            "config.json": Array("""
            {"model_type": "bert", "hidden_size": \(h), "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": \(inter),
             "max_position_embeddings": \(p), "type_vocab_size": 2, "vocab_size": \(v), "layer_norm_eps": 1e-12, "hidden_act": "gelu"}
            """.utf8),
            "tokenizer.json": Array(tokenizerJSON().utf8),
            "modules.json": Array("""
            [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
             {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
             {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]
            """.utf8),
            "1_Pooling/config.json": Array("{\"word_embedding_dimension\": 8, \"\(pooling)\": true}".utf8),
            "sentence_bert_config.json": Array("{\"max_seq_length\": 12}".utf8),
        ]
        for (name, bytes) in files where name != omit {
            _ = FileManager.default.createFile(atPath: dir + "/" + name, contents: Data(bytes))
        }
        return dir
    }
}
