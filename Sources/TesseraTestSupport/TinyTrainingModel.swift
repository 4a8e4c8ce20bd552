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

    /// A temporary copy of the fixture folder `fixture` with `model.safetensors` written in.
    public static func make(fixture: String) throws -> String {
        let dir = NSTemporaryDirectory() + "tessera-tiny-train-\(UUID().uuidString)"
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
        return dir
    }
}
