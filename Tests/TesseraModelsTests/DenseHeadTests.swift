import Foundation
import Testing
import TesseraKernels
import TesseraTestSupport
@testable import TesseraModels

@Suite struct DenseHeadTests {
    /// Adds a `2_Dense` module (8 → 4, given activation) between pooling and normalisation of a tiny model folder.
    func addDense(to dir: String, activation: String = "torch.nn.modules.activation.Tanh", bias: Bool = true,
                  weightShape: [Int] = [4, 8]) throws -> (weight: [Float], bias: [Float]) {
        try FileManager.default.createDirectory(atPath: dir + "/2_Dense", withIntermediateDirectories: true)
        let weight = (0..<(weightShape.reduce(1, *))).map { Float(($0 * 37) % 11) / 10 - 0.5 }
        let b: [Float] = [0.1, -0.2, 0.3, 0.05]
        let entries: [(String, String, [Int], [UInt8])] = [("linear.weight", "F32", weightShape, floatBytes(weight))]
            + (bias ? [("linear.bias", "F32", [4], floatBytes(b))] : [])
        _ = FileManager.default.createFile(atPath: dir + "/2_Dense/model.safetensors", contents: Data(makeSafeTensors(entries)))
        let config = "{\"in_features\": 8, \"out_features\": 4, \"bias\": \(bias), \"activation_function\": \"\(activation)\"}"
        try config.write(toFile: dir + "/2_Dense/config.json", atomically: true, encoding: .utf8)
        let modules = """
        [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
         {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
         {"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"},
         {"idx": 3, "name": "3", "path": "3_Normalize", "type": "sentence_transformers.models.Normalize"}]
        """
        try modules.write(toFile: dir + "/modules.json", atomically: true, encoding: .utf8)
        return (weight, bias ? b : [0, 0, 0, 0])
    }

    @Test(arguments: [("torch.nn.modules.activation.Tanh", true), ("torch.nn.modules.linear.Identity", false),
                      ("torch.nn.modules.activation.ReLU", true)])
    func headMapsThePooledVector(activation: String, bias: Bool) throws {
        let dir = TinyModel.make()
        let plain = try EmbeddingModel(folder: dir)
        let texts = ["hello world", "a b s", "world"]
        let unnormalised = try plain.embedTokens(texts, normalize: false)
        let (w, b) = try addDense(to: dir, activation: activation, bias: bias)
        let model = try EmbeddingModel(folder: dir)
        #expect(model.dimension == 4 && model.tokenDimension == 8)
        #expect(model.pipeline.denseModules == ["2_Dense"])
        let out = try model.embed(texts)
        for i in 0..<texts.count {
            let rows = unnormalised.offsets[i]..<unnormalised.offsets[i + 1]
            var mean = [Double](repeating: 0, count: 8)
            for r in rows { for c in 0..<8 { mean[c] += Double(unnormalised.vectors[r * 8 + c]) / Double(rows.count) } }
            var y = (0..<4).map { o in (0..<8).reduce(Double(b[o])) { $0 + Double(w[o * 8 + $1]) * mean[$1] } }
            switch activation {
            case "torch.nn.modules.activation.Tanh": y = y.map { Foundation.tanh($0) }
            case "torch.nn.modules.activation.ReLU": y = y.map { max($0, 0) }
            default: break
            }
            let norm = y.map { $0 * $0 }.reduce(0, +).squareRoot()
            for o in 0..<4 { #expect(abs(Double(out[i * 4 + o]) - y[o] / norm) < 1e-5) }
        }
        // Token vectors are untouched by the head; the fingerprint sees it.
        #expect(try model.embedTokens(texts, normalize: false).vectors == unnormalised.vectors)
        #expect(try ModelFingerprint.compute(folder: dir) != (try ModelFingerprint.compute(folder: TinyModel.make())))
    }

    @Test func badHeadsAreNamed() throws {
        let dir = TinyModel.make()
        _ = try addDense(to: dir, activation: "torch.nn.modules.activation.Softsign")
        expectModelError("unsupported: activation_function torch.nn.modules.activation.Softsign") { _ = try EmbeddingModel(folder: dir) }
        let shaped = TinyModel.make()
        _ = try addDense(to: shaped, weightShape: [4, 7])
        expectModelError("linear.weight has shape [4, 7], expected [4, 8]") { _ = try EmbeddingModel(folder: shaped) }
        let missing = TinyModel.make()
        _ = try addDense(to: missing)
        try FileManager.default.removeItem(atPath: missing + "/2_Dense/model.safetensors")
        expectModelError("Dense module weights not found") { _ = try EmbeddingModel(folder: missing) }
    }
}

@Suite struct SafeTensorsWriterTests {
    @Test func writtenWeightsReloadAndEncodeIdentically() throws {
        let dir = TinyModel.make()
        let model = try EmbeddingModel(folder: dir)
        let texts = ["hello world", "a b s hello"]
        let before = try model.embedTokens(texts, normalize: false).vectors
        let copy = TestFolder.path("tessera-written")
        try FileManager.default.copyItem(atPath: dir, toPath: copy)
        let file = try SafeTensorsFile(path: dir + "/model.safetensors")
        let weights = try BertWeights(file: file, config: model.encoder.config)
        try weights.write(to: copy + "/model.safetensors")
        let written = try SafeTensorsFile(path: copy + "/model.safetensors")
        // The checkpoint's own, unfused names, every one of them.
        #expect(Set(written.tensors.keys) == Set(BertTensorNames.all(model.encoder.config).map(\.name)))
        #expect(written.metadata == ["format": "pt"])
        for (name, tensor) in weights.tensors { #expect(try written.floats(name).values == tensor.values) }
        #expect(try EmbeddingModel(folder: copy).embedTokens(texts, normalize: false).vectors == before)
    }

    @Test func badEntriesAreRefusedAndNothingIsWritten() throws {
        let path = TestFolder.path("tessera-bad", suffix: ".safetensors")
        let m = Matrix(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        expectModelError("duplicate tensor name a") {
            try SafeTensorsWriter.write([.init(name: "a", matrix: m), .init(name: "a", matrix: m)], to: path)
        }
        expectModelError("does not hold 6 values") { try SafeTensorsWriter.write([.init(name: "a", matrix: m, shape: [4])], to: path) }
        expectModelError("folder /nonexistent-dir does not exist") {
            try SafeTensorsWriter.write([.init(name: "a", matrix: m)], to: "/nonexistent-dir/x.safetensors")
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        try SafeTensorsWriter.write([.init(name: "a", matrix: m), .init(name: "b", matrix: Matrix(shape: [0]))], to: path)
        let back = try SafeTensorsFile(path: path)
        #expect(try back.floats("a").values == m.values && back.tensors["a"]?.shape == [2, 3])
        #expect(try back.floats("b").values.isEmpty)
    }
}
