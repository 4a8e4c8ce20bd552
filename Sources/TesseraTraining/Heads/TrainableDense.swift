import Foundation
import TesseraKernels
import TesseraModels

/// A sentence-transformers `Dense` module being trained: `y = activation(x Wᵀ + b)` on pooled embeddings, or on every
/// token state for a multi-vector token head (PyLate's projection).
///
/// Its parameters are named `<module path>/linear.weight` and `<module path>/linear.bias`: the checkpoint writes
/// them to `<module path>/model.safetensors` as `linear.weight` / `linear.bias`, where sentence-transformers reads them.
public final class TrainableDense: TrainableModule, @unchecked Sendable {
    /// The module folder, relative to the model folder (e.g. `2_Dense`).
    public let path: String
    /// The activation after the linear map.
    public let activation: DenseHead.Activation
    let weight: TrainableTensor  // [outputs, inputs]
    let bias: TrainableTensor    // [outputs] (zero when the module has none: not a parameter, never updated)
    let hasBias: Bool

    /// Input width.
    public var inputs: Int { weight.value.cols }
    /// Output width.
    public var outputs: Int { weight.value.rows }

    /// A trainable copy of a loaded head.
    public init(_ head: DenseHead) {
        path = head.path
        activation = head.activation
        weight = TrainableTensor(shape: [head.outputs, head.inputs], copying: head.weight.pointer)
        hasBias = head.bias != nil
        if let b = head.bias {
            bias = TrainableTensor(shape: [head.outputs], copying: b.pointer)
        } else {
            bias = TrainableTensor(value: Matrix(shape: [head.outputs], values: [Float](repeating: 0, count: head.outputs)))
        }
    }

    /// A new linear head without bias (a multi-vector token projection), initialised as `torch.nn.Linear` is (and so as
    /// PyLate initialises a new ColBERT model's projection): every weight uniform in ±1/√inputs, drawn from one SplitMix64
    /// stream seeded with `seed`, row-major.
    public init(path: String, inputs: Int, outputs: Int, seed: UInt64) {
        self.path = path
        activation = .identity
        var rng = SplitMix64(seed: seed)
        let bound = 1 / Double(inputs).squareRoot()
        let values = (0..<(inputs * outputs)).map { _ in Float(bound * (2 * (Double(rng.next() >> 11) * 0x1p-53) - 1)) }
        weight = TrainableTensor(value: Matrix(shape: [outputs, inputs], values: values))
        bias = TrainableTensor(value: Matrix(shape: [outputs], values: [Float](repeating: 0, count: outputs)))
        hasBias = false
    }

    /// A new linear head without bias whose weight is `weight` (`[outputs × inputs]`, row-major), e.g. the principal
    /// directions of the encoder's token states (``PrincipalComponents``).
    public init(path: String, inputs: Int, outputs: Int, weight values: [Float]) {
        precondition(values.count == inputs * outputs, "TrainableDense: \(values.count) weights for \(outputs) × \(inputs)")
        self.path = path
        activation = .identity
        weight = TrainableTensor(value: Matrix(shape: [outputs, inputs], values: values))
        bias = TrainableTensor(value: Matrix(shape: [outputs], values: [Float](repeating: 0, count: outputs)))
        hasBias = false
    }

    /// The module's `config.json`, as sentence-transformers and PyLate write it.
    public var configJSON: String {
        """
        {"in_features": \(inputs), "out_features": \(outputs), "bias": \(hasBias), "activation_function": "\(activation.rawValue)"}
        """
    }

    /// The trainable tensors, weight first.
    public var parameters: [Parameter] {
        [weight.parameter(path + "/" + Self.weightName)] + (hasBias ? [bias.parameter(path + "/" + Self.biasName)] : [])
    }

    /// Tensor names inside the module's `model.safetensors`.
    static let weightName = "linear.weight", biasName = "linear.bias"

    /// `y[rows × outputs]` for `x[rows × inputs]`.
    func forward(_ x: [Float], rows: Int, threads: Int) -> [Float] {
        var y = [Float](repeating: 0, count: rows * outputs)
        x.withUnsafeBufferPointer { xs in
            y.withUnsafeMutableBufferPointer { ys in
                guard let xp = xs.baseAddress, let yp = ys.baseAddress else { return }
                forward(xp, rows: rows, into: yp, threads: threads)
            }
        }
        return y
    }

    /// `y[rows × outputs]` for `x[rows × inputs]`, in place.
    func forward(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>, threads: Int) {
        TrainingOps.linear(x, rows: rows, weight: weight.value, bias: bias.value, into: y, threads: threads)
        switch activation {
        case .identity: break
        case .tanh: for i in 0..<(rows * outputs) { y[i] = tanhf(y[i]) }
        case .relu: for i in 0..<(rows * outputs) { y[i] = max(y[i], 0) }
        }
    }

    /// Backward of ``forward(_:rows:threads:)`` given its input `x`, its output `y` and `dy`: adds to the weight and
    /// bias gradients and returns `dx`.
    func backward(_ dy: [Float], input x: [Float], output y: [Float], rows: Int, threads: Int) -> [Float] {
        var du = dy
        var dx = [Float](repeating: 0, count: rows * inputs)
        du.withUnsafeMutableBufferPointer { d in
            x.withUnsafeBufferPointer { xs in
                y.withUnsafeBufferPointer { ys in
                    dx.withUnsafeMutableBufferPointer { out in
                        guard let dp = d.baseAddress, let xp = xs.baseAddress, let yp = ys.baseAddress, let op = out.baseAddress else { return }
                        backward(dp, input: xp, output: yp, rows: rows, into: op, threads: threads)
                    }
                }
            }
        }
        return dx
    }

    /// Backward in place: `dy` (overwritten) is the gradient of the output `y` of input `x`; adds to the weight and bias
    /// gradients and writes `dx[rows × inputs]`.
    func backward(_ dy: UnsafeMutablePointer<Float>, input x: UnsafePointer<Float>, output y: UnsafePointer<Float>, rows: Int,
                  into dx: UnsafeMutablePointer<Float>, threads: Int) {
        let count = rows * outputs
        switch activation {
        case .identity: break
        case .tanh: for i in 0..<count { dy[i] *= 1 - y[i] * y[i] }
        case .relu: for i in 0..<count where y[i] <= 0 { dy[i] = 0 }
        }
        TrainingOps.linearBackward(dy, x: x, rows: rows, weight: weight, bias: bias, dx: dx, accumulate: false, threads: threads)
    }
}
