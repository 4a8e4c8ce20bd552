import Foundation
import Testing
import TesseraIO
@testable import TesseraModels

/// A tiny random BERT folder (hidden 8, 2 heads, 1 layer) for error paths and pooling modes.
enum TinyModel {
    static let vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "a", "b", "##s"]

    static func tokenizerJSON() -> String {
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

    /// Writes the folder; `breakShape` gives one weight a wrong shape.
    static func make(breakShape: Bool = false, pooling: String = "pooling_mode_mean_tokens", omit: String? = nil) -> String {
        let dir = NSTemporaryDirectory() + "tessera-tiny-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: dir + "/1_Pooling", withIntermediateDirectories: true)
        let h = 8, inter = 16, v = vocab.count, p = 16
        var rng = SystemRandomNumberGenerator()
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

@Suite struct ModelFolderTests {
    @Test func tinyModelEncodesAndPoolsAsConfigured() throws {
        let model = try EmbeddingModel(folder: TinyModel.make())
        #expect(model.defaultMaxLength == 12)
        #expect(model.pipeline == SentenceTransformerConfig(pooling: .mean, normalize: true, maxSeqLength: 12))
        let texts = ["hello world", "a b", "", "hellos hellos hellos hellos hellos hellos hellos hellos hellos hellos hellos"]
        let pooled = try model.embed(texts)
        let tokens = try model.embedTokens(texts, normalize: false)
        #expect(tokens.offsets == [0, 4, 4 + 4, 10, 22])
        for i in 0..<texts.count {
            // Mean of the raw token states, normalised, equals the pooled vector.
            var mean = [Float](repeating: 0, count: 8)
            let rows = tokens.offsets[i]..<tokens.offsets[i + 1]
            for r in rows { for c in 0..<8 { mean[c] += tokens.vectors[r * 8 + c] / Float(rows.count) } }
            let norm = mean.map { $0 * $0 }.reduce(0, +).squareRoot()
            for c in 0..<8 { #expect(abs(pooled[i * 8 + c] - mean[c] / norm) < 1e-5) }
        }
        let cls = try model.embed(texts, options: EmbedOptions(pooling: .cls))
        let first = Array(tokens.vectors[0..<8])
        let n = first.map { $0 * $0 }.reduce(0, +).squareRoot()
        for c in 0..<8 { #expect(abs(cls[c] - first[c] / n) < 1e-5) }
    }

    @Test func clsPoolingFromFolderConfig() throws {
        let model = try EmbeddingModel(folder: TinyModel.make(pooling: "pooling_mode_cls_token"))
        #expect(model.pipeline.pooling == .cls)
    }

    @Test func wrongShapeIsNamed() {
        expectModelError("attention.output.dense.weight has shape [8, 9], expected [8, 8]") {
            _ = try EmbeddingModel(folder: TinyModel.make(breakShape: true))
        }
    }

    @Test func missingFilesAreNamed() {
        expectModelError("model folder not found") { _ = try EmbeddingModel(folder: "/nonexistent/model") }
        for name in ["config.json", "model.safetensors", "tokenizer.json"] {
            expectModelError("\(name) not found") { _ = try EmbeddingModel(folder: TinyModel.make(omit: name)) }
        }
        expectModelError("pooling config not found") { _ = try EmbeddingModel(folder: TinyModel.make(omit: "1_Pooling/config.json")) }
    }

    @Test func truncatedWeightsAreDetected() throws {
        let dir = TinyModel.make()
        let path = dir + "/model.safetensors"
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes.dropLast(100)))
        expectModelError("truncated") { _ = try EmbeddingModel(folder: dir) }
    }

    @Test func unsupportedConfigIsRefused() throws {
        let dir = TinyModel.make()
        let config = dir + "/config.json"
        let text = try String(contentsOfFile: config, encoding: .utf8).replacingOccurrences(of: "\"gelu\"", with: "\"relu\"")
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        expectModelError("unsupported: hidden_act relu") { _ = try EmbeddingModel(folder: dir) }
    }

    @Test func outOfVocabularyIdsAndOverlongInputsAreRefused() throws {
        let model = try EmbeddingModel(folder: TinyModel.make())
        expectModelError("outside the vocabulary") { _ = try model.embed(inputs: [EncoderInput(ids: [2, 99, 3])]) }
        expectModelError("exceeds the model's 16 positions") { _ = try model.embed(inputs: [EncoderInput(ids: [Int32](repeating: 5, count: 17))]) }
        expectModelError("empty token sequence") { _ = try model.embed(inputs: [EncoderInput(ids: [])]) }
    }

    @Test func storeResolvesFoldersAndExplainsMissingModels() throws {
        let dir = TinyModel.make()
        #expect(try ModelStore.resolve(dir) == dir)
        expectModelError("tessera models fetch all-MiniLM-L6-v2") {
            setenv("TESSERA_HOME", NSTemporaryDirectory() + "tessera-empty-\(UUID().uuidString)", 1)
            defer { unsetenv("TESSERA_HOME") }
            _ = try ModelStore.resolve("all-MiniLM-L6-v2")
        }
        expectModelError("unknown model nope") { try ModelStore.fetch("nope") }
    }
}
