import CTesseraKernels

/// A linear layer's weight `W [outputs × inputs]` (PyTorch layout) ready for `y = x · Wᵀ + b`.
///
/// Where Tessera's own GEMM kernels run (AVX-512, AVX2 + FMA, NEON on Linux: 12 × 32 and 6 × 16 micro-kernels,
/// bit-identical to each other) the weight is packed once into panels for them; elsewhere (portable, Apple's
/// Accelerate) BLAS runs on the original layout.
public final class LinearWeights: @unchecked Sendable {
    /// Rows of W (output features).
    public let outputs: Int
    /// Columns of W (input features).
    public let inputs: Int
    private let weight: UnsafePointer<Float>
    private let owner: AnyObject
    private let packed: FloatBuffer?

    /// Wraps `weight` (kept alive through `owner`) and packs it when the packed kernel can run here.
    public init(weight: UnsafePointer<Float>, outputs: Int, inputs: Int, owner: AnyObject) {
        self.weight = weight
        self.outputs = outputs
        self.inputs = inputs
        self.owner = owner
        if tk_gemm_packed_available() != 0 {
            let buffer = FloatBuffer(capacity: tk_packed_weights_size(outputs, inputs))
            tk_pack_weights(weight, outputs, inputs, buffer.pointer)
            packed = buffer
        } else {
            packed = nil
        }
    }

    /// Whether Tessera's packed kernel (not BLAS) runs this layer.
    public var usesPackedKernel: Bool { packed != nil }

    /// Scratch floats one `apply` needs (pass a buffer of at least this size).
    public static var workspaceSize: Int { tk_gemm_workspace_size() }

    /// `c[rows × outputs] = a[rows × inputs] · Wᵀ (+ bias)`; `a` and `c` have row strides `lda` and `ldc`.
    public func apply(_ a: UnsafePointer<Float>, lda: Int, rows: Int, bias: UnsafePointer<Float>?,
                      into c: UnsafeMutablePointer<Float>, ldc: Int, workspace: FloatBuffer) {
        if let packed {
            workspace.reserve(Self.workspaceSize)
            _ = tk_gemm_packed(a, lda, packed.pointer, bias, rows, outputs, inputs, c, ldc, workspace.pointer)
            return
        }
        BLAS.sgemm(transB: true, m: rows, n: outputs, k: inputs, a: a, lda: lda, b: weight, ldb: inputs, c: c, ldc: ldc)
        if let bias {
            for r in 0..<rows { VectorKernels.addBias(c + r * ldc, bias: bias, rows: 1, cols: outputs) }
        }
    }
}
