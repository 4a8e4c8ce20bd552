import Foundation
import TesseraKernels

/// A sentence-transformers (or PyLate) `Dense` module: `y = activation(W x + b)` on the pooled sentence embedding, or on
/// every token state when it comes before pooling (a multi-vector token head), read from its folder (`config.json` with `in_features`, `out_features`, `bias`, `activation_function`, and the weights
/// `linear.weight` / `linear.bias` in `model.safetensors`).
public struct DenseHead: Sendable {
    /// The activations sentence-transformers writes in `activation_function`, by their torch class name.
    public enum Activation: String, Sendable, CaseIterable {
        /// `torch.nn.modules.linear.Identity`.
        case identity = "torch.nn.modules.linear.Identity"
        /// `torch.nn.modules.activation.Tanh` (sentence-transformers' default).
        case tanh = "torch.nn.modules.activation.Tanh"
        /// `torch.nn.modules.activation.ReLU`.
        case relu = "torch.nn.modules.activation.ReLU"
    }

    /// Input width.
    public let inputs: Int
    /// Output width.
    public let outputs: Int
    /// The activation after the linear map.
    public let activation: Activation
    /// `W`, `[outputs × inputs]`.
    public let weight: FloatTensor
    /// `b`, `[outputs]`, if the module has a bias.
    public let bias: FloatTensor?
    /// The module folder, relative to the model folder.
    public let path: String
    /// `W` ready for Tessera's GEMM (packed where the packed kernel runs), for ``apply(rows:_:into:)``.
    let linear: LinearWeights

    /// Reads the module at `folder/path`.
    public init(folder: String, path: String) throws(ModelError) {
        let base = folder + "/" + path
        let configPath = base + "/config.json"
        guard FileManager.default.fileExists(atPath: configPath) else {
            throw ModelError(.missingFile, "Dense module config not found at \(configPath)")
        }
        guard let o = try SentenceTransformerConfig.readJSON(configPath).objectValue else {
            throw ModelError(.invalidConfig, "\(configPath): not a JSON object")
        }
        guard let inputs = o["in_features"]?.intValue, inputs > 0, let outputs = o["out_features"]?.intValue, outputs > 0 else {
            throw ModelError(.invalidConfig, "\(configPath): in_features and out_features must be positive integers")
        }
        let name = o["activation_function"]?.stringValue ?? Activation.tanh.rawValue
        guard let activation = Activation(rawValue: name) else {
            let known = Activation.allCases.map(\.rawValue).joined(separator: ", ")
            throw ModelError(.unsupported, "unsupported: activation_function \(name) in \(configPath) (supported: \(known))")
        }
        if o["use_residual"]?.boolValue == true {
            throw ModelError(.unsupported, "unsupported: use_residual in \(configPath) (PyLate's residual Dense)")
        }
        let weightsPath = base + "/model.safetensors"
        guard FileManager.default.fileExists(atPath: weightsPath) else {
            let legacy = FileManager.default.fileExists(atPath: base + "/pytorch_model.bin")
            throw ModelError(.missingFile, legacy
                ? "unsupported: \(base)/pytorch_model.bin (pickle); save the Dense module as model.safetensors"
                : "Dense module weights not found at \(weightsPath)")
        }
        let file = try SafeTensorsFile(path: weightsPath)
        let weight = try file.floats("linear.weight")
        guard weight.shape == [outputs, inputs] else {
            throw ModelError(.wrongShape, "\(weightsPath): linear.weight has shape \(weight.shape), expected \([outputs, inputs])")
        }
        let hasBias = o["bias"]?.boolValue ?? true
        var bias: FloatTensor? = nil
        if hasBias {
            let b = try file.floats("linear.bias")
            guard b.shape == [outputs] else {
                throw ModelError(.wrongShape, "\(weightsPath): linear.bias has shape \(b.shape), expected \([outputs])")
            }
            bias = b
        }
        self.inputs = inputs
        self.outputs = outputs
        self.activation = activation
        self.weight = weight
        self.bias = bias
        self.path = path
        linear = LinearWeights(weight: weight.pointer, outputs: outputs, inputs: inputs, owner: file)
    }

    /// `out[outputs] = activation(W x + b)` for one vector `x[inputs]`, accumulated in double precision.
    public func apply(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        let w = weight.pointer
        for o in 0..<outputs {
            let row = w + o * inputs
            var sum = Double(bias.map { $0.pointer[o] } ?? 0)
            for i in 0..<inputs { sum += Double(row[i]) * Double(x[i]) }
            switch activation {
            case .identity: out[o] = Float(sum)
            case .tanh: out[o] = Float(Foundation.tanh(sum))
            case .relu: out[o] = Float(max(sum, 0))
            }
        }
    }

    /// `out[rows × outputs] = activation(x Wᵀ + b)` for `rows` vectors `x[rows × inputs]` (one single-precision GEMM on the
    /// calling thread, the encoder's kernel: the token head of a multi-vector model). `workspace` is the GEMM's scratch.
    public func apply(rows: Int, _ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, workspace: FloatBuffer) {
        linear.apply(x, lda: inputs, rows: rows, bias: bias?.pointer, into: out, ldc: outputs, workspace: workspace)
        let count = rows * outputs
        switch activation {
        case .identity: break
        case .tanh: for i in 0..<count { out[i] = Foundation.tanh(out[i]) }
        case .relu: for i in 0..<count { out[i] = max(out[i], 0) }
        }
    }
}
