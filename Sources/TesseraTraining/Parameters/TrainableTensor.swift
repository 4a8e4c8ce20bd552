import TesseraKernels

/// A tensor being trained: its values and a gradient buffer of the same shape.
public struct TrainableTensor: Sendable {
    /// The current values.
    public let value: Matrix
    /// The accumulated gradient (zeroed by the trainer before each step).
    public let gradient: Matrix

    /// A tensor holding a copy of `count` floats at `source`, with a zero gradient.
    public init(shape: [Int], copying source: UnsafePointer<Float>) {
        value = Matrix(shape: shape, copying: source)
        gradient = Matrix(shape: shape)
    }

    /// A tensor holding `value`, with a zero gradient.
    public init(value: Matrix) {
        self.value = value
        gradient = Matrix(shape: value.shape)
    }

    /// A view of part of this tensor as a named parameter.
    func parameter(_ name: String, shape: [Int], offset: Int = 0) -> Parameter {
        Parameter(name: name, shape: shape, storage: value, gradientStorage: gradient, offset: offset)
    }

    /// The whole tensor as a named parameter.
    func parameter(_ name: String) -> Parameter { parameter(name, shape: value.shape) }
}
