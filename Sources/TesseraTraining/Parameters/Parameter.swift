import TesseraKernels

/// One trainable tensor under its checkpoint name: a view of `count` floats at `offset` in a value storage, with
/// its gradient at the same offset in a gradient storage of the same shape.
///
/// Views let Q, K and V stay one fused `[3h, h]` matrix (one GEMM in the forward pass) while the optimiser,
/// the checkpoint and the parity tests see the three tensors the checkpoint names.
public struct Parameter: Sendable {
    /// The checkpoint name (``BertTensorNames``).
    public let name: String
    /// The tensor's own shape.
    public let shape: [Int]
    /// The storage holding the values.
    public let storage: Matrix
    /// The storage holding the gradients (same shape as `storage`).
    public let gradientStorage: Matrix
    /// Where the tensor starts in both storages.
    public let offset: Int
    /// Whether AdamW's weight decay applies (HF Trainer: every weight but biases and LayerNorm weights).
    public let decays: Bool

    /// The number of elements.
    public var count: Int { shape.reduce(1, *) }
    /// The values.
    public var values: UnsafeMutablePointer<Float> { storage.pointer + offset }
    /// The gradients.
    public var gradients: UnsafeMutablePointer<Float> { gradientStorage.pointer + offset }

    /// A parameter viewing `storage` (and `gradientStorage`) from `offset`.
    public init(name: String, shape: [Int], storage: Matrix, gradientStorage: Matrix, offset: Int = 0) {
        precondition(offset + shape.reduce(1, *) <= storage.count && storage.count == gradientStorage.count)
        self.name = name
        self.shape = shape
        self.storage = storage
        self.gradientStorage = gradientStorage
        self.offset = offset
        decays = !(name.hasSuffix(".bias") || name.contains("LayerNorm"))
    }
}
