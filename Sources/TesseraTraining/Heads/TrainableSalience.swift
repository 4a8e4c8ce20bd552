import Foundation
import TesseraKernels
import TesseraModels

/// AligneR's salience heads being trained: one linear map of a token's encoder state to a scalar for query tokens,
/// another for document tokens, `s = w · x + b` (the loss takes `ReLU(s)` and the gates λ; PAPERS.md §3).
///
/// Stored in the module folder `2_Salience` (not a sentence-transformers module: PyLate and sentence-transformers ignore
/// it): `config.json` (`{"in_features", "alpha_query", "alpha_document", "epsilon", "iterations"}`) and `model.safetensors`
/// with `query.weight` [1, h], `query.bias` [1], `document.weight` [1, h], `document.bias` [1].
public final class TrainableSalience: TrainableModule, @unchecked Sendable {
    /// The module folder.
    public let path: String
    let queryWeight: TrainableTensor, queryBias: TrainableTensor
    let documentWeight: TrainableTensor, documentBias: TrainableTensor

    /// Input width (the encoder's hidden size).
    public var inputs: Int { queryWeight.value.cols }

    /// The module folder name Tessera uses.
    public static let defaultPath = "2_Salience"

    /// New heads: weights uniform in ±0.1/√inputs from one SplitMix64 stream seeded with `seed` (query weight, then document
    /// weight, row-major, x = 2u − 1, u = (next >> 11) / 2⁵³), biases 1, so that every token starts salient.
    public init(path: String = defaultPath, inputs: Int, seed: UInt64) {
        self.path = path
        var rng = SplitMix64(seed: seed)
        let bound = 0.1 / Double(inputs).squareRoot()
        func draw() -> TrainableTensor {
            TrainableTensor(value: Matrix(shape: [1, inputs], values: (0..<inputs).map { _ in Float(bound * (2 * (Double(rng.next() >> 11) * 0x1p-53) - 1)) }))
        }
        queryWeight = draw()
        documentWeight = draw()
        queryBias = TrainableTensor(value: Matrix(shape: [1], values: [1]))
        documentBias = TrainableTensor(value: Matrix(shape: [1], values: [1]))
    }

    /// Heads with the given weights (`--salience-init idf`: fitted by ``SalienceRegression``).
    public init(path: String = defaultPath, query: SalienceRegression, document: SalienceRegression) {
        self.path = path
        queryWeight = TrainableTensor(value: Matrix(shape: [1, query.weight.count], values: query.weight))
        documentWeight = TrainableTensor(value: Matrix(shape: [1, document.weight.count], values: document.weight))
        queryBias = TrainableTensor(value: Matrix(shape: [1], values: [query.bias]))
        documentBias = TrainableTensor(value: Matrix(shape: [1], values: [document.bias]))
    }

    /// Trainable copies of loaded heads.
    public init(_ heads: SalienceHeads) {
        path = heads.path
        queryWeight = TrainableTensor(shape: [1, heads.inputs], copying: heads.queryWeight)
        documentWeight = TrainableTensor(shape: [1, heads.inputs], copying: heads.documentWeight)
        queryBias = TrainableTensor(value: Matrix(shape: [1], values: [heads.queryBias]))
        documentBias = TrainableTensor(value: Matrix(shape: [1], values: [heads.documentBias]))
    }

    /// The module's `config.json` (read back by ``SalienceHeads``) with the gate settings of `configuration`.
    public func configJSON(_ configuration: TrainingConfiguration) -> String {
        let s = configuration.salienceSettings(trained: nil)
        return """
        {"in_features": \(inputs), "alpha_query": \(s.alphaQuery), "alpha_document": \(s.alphaDocument), "epsilon": \(s.epsilon), "iterations": \(s.iterations)}
        """
    }

    /// The trainable tensors.
    public var parameters: [Parameter] {
        [queryWeight.parameter(path + "/query.weight"), queryBias.parameter(path + "/query.bias"),
         documentWeight.parameter(path + "/document.weight"), documentBias.parameter(path + "/document.bias")]
    }

    /// `s` of `rows` states `x[rows × inputs]` with the query or the document head, into `out`.
    func forward(_ x: UnsafePointer<Float>, rows: Int, query: Bool, into out: UnsafeMutablePointer<Float>) {
        let w = (query ? queryWeight : documentWeight).value.pointer, b = (query ? queryBias : documentBias).value.pointer[0]
        for r in 0..<rows {
            let row = x + r * inputs
            var s: Float = 0
            for c in 0..<inputs { s += w[c] * row[c] }
            out[r] = s + b
        }
    }

    /// Backward of ``forward(_:rows:query:into:)``: adds `ds ⊗ x` to the weight's gradient, `Σ ds` to the bias's and
    /// `ds · w` to `dx`.
    func backward(_ ds: UnsafePointer<Float>, input x: UnsafePointer<Float>, rows: Int, query: Bool, addingTo dx: UnsafeMutablePointer<Float>) {
        let weight = query ? queryWeight : documentWeight, bias = query ? queryBias : documentBias
        let w = weight.value.pointer, dw = weight.gradient.pointer
        for r in 0..<rows where ds[r] != 0 {
            let row = x + r * inputs, out = dx + r * inputs
            for c in 0..<inputs {
                dw[c] += ds[r] * row[c]
                out[c] += ds[r] * w[c]
            }
            bias.gradient.pointer[0] += ds[r]
        }
    }
}
