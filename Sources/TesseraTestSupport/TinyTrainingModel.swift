import Foundation
import TesseraKernels
import TesseraModels

/// The tiny BERT of the training fixtures (Tests/TesseraTrainingTests/Fixtures/tiny_bert: configuration, tokenizer and
/// sentence-transformers files, no weights). Its weights are one SplitMix64 stream over the tensors in checkpoint
/// order, exactly as `Scripts/make_training_fixture.py` (`tiny_weights`) makes them: x = 2u − 1 with
/// u = (next >> 11) / 2⁵³; LayerNorm weights 1 + 0.1x, biases 0.1x, everything else 0.05x (double, then float).
public enum TinyTrainingModel {
    /// The seed both sides use.
    public static let seed: UInt64 = 20_261_202

    /// The seed of the `Dense` head's weights (`tiny_dense_weights` in the fixture script).
    public static let denseSeed: UInt64 = 20_261_203

    /// A temporary copy of the fixture folder `fixture` with `model.safetensors` written in and, with `dense`, a
    /// sentence-transformers `Dense` module (32 → 16, tanh) between pooling and normalisation, as the fixture script
    /// builds it: one SplitMix64 stream over `linear.weight` then `linear.bias`, weight 0.25x, bias 0.1x.
    public static func make(fixture: String, dense: Bool = false) throws -> String {
        let dir = TestFolder.path("tessera-tiny-train")
        try FileManager.default.copyItem(atPath: fixture, toPath: dir)
        let config = try BertConfig(contentsOf: dir + "/config.json")
        var rng = SplitMix64(seed: seed)
        var matrices: [(String, Matrix)] = []
        for (name, shape) in BertTensorNames.all(config) {
            let m = Matrix(shape: shape)
            for i in 0..<m.count {
                let x = 2 * (Double(rng.next() >> 11) * 0x1p-53) - 1
                let v = name.contains("LayerNorm.weight") ? 1 + 0.1 * x : (name.hasSuffix("bias") ? 0.1 * x : 0.05 * x)
                m.pointer[i] = Float(v)
            }
            matrices.append((name, m))
        }
        try SafeTensorsWriter.write(matrices.map { .init(name: $0.0, matrix: $0.1) }, to: dir + "/model.safetensors")
        if dense { try addDense(to: dir, inputs: config.hiddenSize, outputs: 16) }
        return dir
    }

    private static func addDense(to dir: String, inputs: Int, outputs: Int) throws {
        var rng = SplitMix64(seed: denseSeed)
        func draw(_ shape: [Int], scale: Double) -> Matrix {
            let m = Matrix(shape: shape)
            for i in 0..<m.count { m.pointer[i] = Float(scale * (2 * (Double(rng.next() >> 11) * 0x1p-53) - 1)) }
            return m
        }
        let weight = draw([outputs, inputs], scale: 0.25), bias = draw([outputs], scale: 0.1)
        try FileManager.default.createDirectory(atPath: dir + "/2_Dense", withIntermediateDirectories: true)
        try SafeTensorsWriter.write([.init(name: "linear.weight", matrix: weight), .init(name: "linear.bias", matrix: bias)],
                                    to: dir + "/2_Dense/model.safetensors")
        try """
        {"in_features": \(inputs), "out_features": \(outputs), "bias": true, "activation_function": "torch.nn.modules.activation.Tanh"}
        """.write(toFile: dir + "/2_Dense/config.json", atomically: true, encoding: .utf8)
        let modules = [("0", "", "Transformer"), ("1", "1_Pooling", "Pooling"), ("2", "2_Dense", "Dense"), ("3", "3_Normalize", "Normalize")]
        try ("[" + modules.map { "{\"idx\": \($0.0), \"name\": \"\($0.0)\", \"path\": \"\($0.1)\", \"type\": \"sentence_transformers.models.\($0.2)\"}" }
            .joined(separator: ", ") + "]").write(toFile: dir + "/modules.json", atomically: true, encoding: .utf8)
    }
}
