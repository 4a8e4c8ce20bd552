#if canImport(Accelerate)
import Accelerate
#elseif canImport(COpenBLAS)
import COpenBLAS
#endif

/// Row-major single-precision BLAS: OpenBLAS on Linux, Accelerate on Apple platforms. Every call runs on the
/// calling thread; a caller that wants several threads passes `threads:`.
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
        _ = singleThreaded
        #if canImport(Accelerate)
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        #else
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
        #endif
    }

    /// Splits `C = alpha · op(A) · op(B) + beta · C` by rows of C over `threads` of Tessera's workers, each
    /// running one single-threaded BLAS call on its block: how parallel a call runs is the caller's choice,
    /// never process-wide state, so encoders, trainers and index builds can run side by side in one process.
    /// Every element of C is computed by the same per-block call whatever the thread count.
    public static func sgemm(
        transA: Bool = false, transB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int,
        threads: Int
    ) {
        let blocks = max(1, min(threads, m / minimumRowsPerThread))
        if blocks <= 1 {
            sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                  beta: beta, c: c, ldc: ldc)
            return
        }
        let rows = (m + blocks - 1) / blocks
        let sa = UnsafeSendablePointer(readOnly: a), sb = UnsafeSendablePointer(readOnly: b), sc = UnsafeSendablePointer(c)
        Parallel.forEach(count: blocks, threads: blocks) { _, block in
            let start = block * rows
            let count = min(rows, m - start)
            guard count > 0 else { return }
            // Row `start` of op(A) is row `start` of A, or column `start` of A when it is stored transposed.
            let aBlock = transA ? sa.pointer + start : sa.pointer + start * lda
            sgemm(transA: transA, transB: transB, m: count, n: n, k: k, alpha: alpha, a: aBlock, lda: lda,
                  b: sb.pointer, ldb: ldb, beta: beta, c: sc.pointer + start * ldc, ldc: ldc)
        }
    }

    /// Pins BLAS to the calling thread now (once per process; later calls do nothing). ``Parallel`` calls it before
    /// starting workers, so BLAS never keeps a thread pool of its own beside Tessera's.
    public static func pinToCallingThread() { _ = singleThreaded }

    /// Fewest rows of C worth a thread of their own.
    static let minimumRowsPerThread = 16

    /// Pins the BLAS library to the calling thread, once per process: Tessera runs its own workers (see the
    /// `threads:` variant of ``sgemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``), so BLAS must never start
    /// threads of its own on the same cores.
    @usableFromInline static let singleThreaded: Bool = {
        #if !canImport(Accelerate) && canImport(COpenBLAS)
        openblas_set_num_threads(1)
        #endif
        return true
    }()
}
