import Foundation
import TesseraKernels
import TesseraModels

/// A sentence-transformers `Dense` module being trained: `y = activation(x Wᵀ + b)` on pooled embeddings.
///
/// Its parameters are named `<module path>/linear.weight` and `<module path>/linear.bias`: the checkpoint writes
/// them to `<module path>/model.safetensors` as `linear.weight` / `linear.bias`, where sentence-transformers reads them.
public final class TrainableDense: @unchecked Sendable {
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
                TrainingOps.linear(xp, rows: rows, weight: weight.value, bias: bias.value, into: yp, threads: threads)
                switch activation {
                case .identity: break
                case .tanh: for i in 0..<(rows * outputs) { yp[i] = tanhf(yp[i]) }
                case .relu: for i in 0..<(rows * outputs) { yp[i] = max(yp[i], 0) }
                }
            }
        }
        return y
    }

    /// Backward of ``forward(_:rows:threads:)`` given its input `x`, its output `y` and `dy`: adds to the weight and
    /// bias gradients and returns `dx`.
    func backward(_ dy: [Float], input x: [Float], output y: [Float], rows: Int, threads: Int) -> [Float] {
        var du = dy
        switch activation {
        case .identity: break
        case .tanh: for i in du.indices { du[i] *= 1 - y[i] * y[i] }
        case .relu: for i in du.indices where y[i] <= 0 { du[i] = 0 }
        }
        var dx = [Float](repeating: 0, count: rows * inputs)
        du.withUnsafeBufferPointer { d in
            x.withUnsafeBufferPointer { xs in
                dx.withUnsafeMutableBufferPointer { out in
                    guard let dp = d.baseAddress, let xp = xs.baseAddress, let op = out.baseAddress else { return }
                    TrainingOps.linearBackward(dp, x: xp, rows: rows, weight: weight, bias: bias, dx: op, accumulate: false,
                                               threads: threads)
                }
            }
        }
        return dx
    }
}
