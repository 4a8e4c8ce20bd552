import Foundation
import Testing
import TesseraIO
import TesseraTestSupport
@testable import TesseraModels

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

    @Test func sentenceTransformers6PoolingConfig() throws {
        // sentence-transformers 6 saves `{"embedding_dimension": …, "pooling_mode": "mean", "include_prompt": true}`.
        for (mode, expected) in [("mean", PoolingMode.mean), ("cls", .cls), ("max", .max)] {
            let dir = TinyModel.make()
            try "{\"embedding_dimension\": 8, \"pooling_mode\": \"\(mode)\", \"include_prompt\": true}"
                .write(toFile: dir + "/1_Pooling/config.json", atomically: true, encoding: .utf8)
            #expect(try EmbeddingModel(folder: dir).pipeline.pooling == expected)
        }
        let dir = TinyModel.make()
        try "{\"embedding_dimension\": 8, \"pooling_mode\": \"lasttoken\"}".write(toFile: dir + "/1_Pooling/config.json", atomically: true, encoding: .utf8)
        expectModelError("unsupported: pooling_mode lasttoken") { _ = try EmbeddingModel(folder: dir) }
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
            setenv("TESSERA_HOME", TestFolder.path("tessera-empty"), 1)
            defer { unsetenv("TESSERA_HOME") }
            _ = try ModelStore.resolve("all-MiniLM-L6-v2")
        }
        expectModelError("unknown model nope") { try ModelStore.fetch("nope") }
    }
}
