import TesseraKernels

/// Pooling and Matryoshka truncation of token states.
public enum Pooling {
    /// Pools `rows` token states of width `width` into `out` (`width` floats).
    public static func pool(_ states: UnsafePointer<Float>, rows: Int, width: Int, mode: PoolingMode, into out: UnsafeMutablePointer<Float>) {
        switch mode {
        case .mean:
            VectorKernels.meanRows(states, rows: rows, cols: width, into: out)
        case .cls:
            out.update(from: states, count: width)
        case .max:
            out.update(from: states, count: width)
            for r in 1..<max(rows, 1) {
                let row = states + r * width
                for c in 0..<width where row[c] > out[c] { out[c] = row[c] }
            }
        }
    }
}
