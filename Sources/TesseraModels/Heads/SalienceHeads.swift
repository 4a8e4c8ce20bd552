import Foundation
import TesseraKernels

/// AligneR's learned salience heads (PAPERS.md §3), read from a model folder's `2_Salience` module folder (written by
/// `tessera train --loss aligner`): a linear map of each token's encoder state to a scalar for query tokens and another
/// for document tokens, `s = w · x + b`, and the gate settings; a token's salience is `u = λ · ReLU(s)` with λ from
/// ``SalienceGate`` at budget ⌈α · length⌉.
///
/// `config.json`: `{"in_features": h, "alpha_query": 0.5, "alpha_document": 0.4, "epsilon": 0.002, "iterations": 20}`;
/// `model.safetensors`: `query.weight` [1, h], `query.bias` [1], `document.weight` [1, h], `document.bias` [1].
public struct SalienceHeads: Sendable {
    /// The module folder, relative to the model folder.
    public let path: String
    /// Input width (the encoder's hidden size).
    public let inputs: Int
    /// Fraction of a query's tokens the gate keeps (α_q).
    public let alphaQuery: Double
    /// Fraction of a document's tokens the gate keeps (α_d).
    public let alphaDocument: Double
    /// The gate.
    public let gate: SalienceGate
    let query: FloatTensor, queryBiasTensor: FloatTensor, document: FloatTensor, documentBiasTensor: FloatTensor

    /// The folder name Tessera writes.
    public static let defaultPath = "2_Salience"

    /// `w` of the query head.
    public var queryWeight: UnsafePointer<Float> { query.pointer }
    /// `w` of the document head.
    public var documentWeight: UnsafePointer<Float> { document.pointer }
    /// `b` of the query head.
    public var queryBias: Float { queryBiasTensor.pointer[0] }
    /// `b` of the document head.
    public var documentBias: Float { documentBiasTensor.pointer[0] }

    /// Reads `folder/path`, or returns nil when the folder has no such module.
    public init?(folder: String, path: String = defaultPath, hiddenSize: Int) throws(ModelError) {
        let base = folder + "/" + path
        let configPath = base + "/config.json"
        guard FileManager.default.fileExists(atPath: configPath) else { return nil }
        guard let o = try SentenceTransformerConfig.readJSON(configPath).objectValue else {
            throw ModelError(.invalidConfig, "\(configPath): not a JSON object")
        }
        guard let inputs = o["in_features"]?.intValue, inputs == hiddenSize else {
            throw ModelError(.wrongShape, "\(configPath): in_features must be the encoder's hidden size \(hiddenSize)")
        }
        let aq = o["alpha_query"]?.doubleValue ?? 0.5, ad = o["alpha_document"]?.doubleValue ?? 0.4
        let epsilon = o["epsilon"]?.doubleValue ?? 0.002, iterations = o["iterations"]?.intValue ?? 20
        guard aq > 0, aq <= 1, ad > 0, ad <= 1, epsilon > 0, iterations >= 0 else {
            throw ModelError(.invalidConfig, "\(configPath): alpha_query and alpha_document must be in (0, 1], epsilon positive, iterations ≥ 0 (0: the exact gate)")
        }
        let file = try SafeTensorsFile(path: base + "/model.safetensors")
        func tensor(_ name: String, _ shape: [Int]) throws(ModelError) -> FloatTensor {
            let t = try file.floats(name)
            guard t.shape == shape else { throw ModelError(.wrongShape, "\(base)/model.safetensors: \(name) has shape \(t.shape), expected \(shape)") }
            return t
        }
        query = try tensor("query.weight", [1, inputs])
        queryBiasTensor = try tensor("query.bias", [1])
        document = try tensor("document.weight", [1, inputs])
        documentBiasTensor = try tensor("document.bias", [1])
        self.path = path
        self.inputs = inputs
        alphaQuery = aq
        alphaDocument = ad
        gate = SalienceGate(epsilon: epsilon, iterations: iterations)
    }

    /// The saliences u of one sequence's `rows` token states `x[rows × inputs]`.
    public func saliences(_ x: UnsafePointer<Float>, rows: Int, isQuery: Bool) -> [Float] {
        let w = isQuery ? query.pointer : document.pointer, b = Double(isQuery ? queryBias : documentBias)
        let r = (0..<rows).map { row -> Double in
            var s = b
            for c in 0..<inputs { s += Double(w[c]) * Double(x[row * inputs + c]) }
            return max(s, 0)
        }
        let alpha = isQuery ? alphaQuery : alphaDocument
        let solution = gate.solve(r, k: (alpha * Double(rows)).rounded(.up))
        return (0..<rows).map { Float(solution.gates[$0] * r[$0]) }
    }
}
