#if canImport(Accelerate)
import Accelerate
#elseif canImport(COpenBLAS)
import COpenBLAS
#endif

/// Row-major single-precision BLAS: OpenBLAS on Linux, Accelerate on Apple platforms.
public enum BLAS {
    /// `C = alpha · op(A) · op(B) + beta · C` for row-major matrices.
    ///
    /// `op(A)` is `m × k` (A is stored `k × m` when `transA`), `op(B)` is `k × n` (B stored `n × k` when `transB`);
    /// `lda`, `ldb`, `ldc` are row strides in elements.
    @inlinable
    public static func sgemm(
        transA: Bool = false, transB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        #if canImport(Accelerate)
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        #else
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
        #endif
    }

    /// Sets the number of threads BLAS may use for one call (OpenBLAS only; a no-op elsewhere).
    ///
    /// Tessera runs its own worker threads and keeps BLAS at one thread while they run, so the two
    /// never compete for the same cores.
    public static func setThreads(_ count: Int) {
        #if !canImport(Accelerate) && canImport(COpenBLAS)
        openblas_set_num_threads(Int32(max(1, count)))
        #endif
    }

    /// The number of threads BLAS currently uses (1 where it cannot be set).
    public static var threads: Int {
        #if !canImport(Accelerate) && canImport(COpenBLAS)
        return Int(openblas_get_num_threads())
        #else
        return 1
        #endif
    }
}
