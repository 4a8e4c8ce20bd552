import CTesseraKernels

/// ColBERTv2-style residual codec: a token vector is stored as its nearest centroid plus a residual quantised
/// per dimension to `bits` bits. The cut-offs are the quantiles i/2^b (i = 1 … 2^b − 1) of all residual values
/// of a training sample, and the bucket weights (the values a code decodes to) the quantiles (i + ½)/2^b.
public struct ResidualCodec: Sendable, Equatable {
    /// Bits per dimension (2 or 4).
    public let bits: Int
    /// Vector width.
    public let dimension: Int
    /// 2^bits − 1 sorted cut-offs.
    public let cutoffs: [Float]
    /// 2^bits bucket weights.
    public let weights: [Float]

    /// Wraps trained values.
    public init(bits: Int, dimension: Int, cutoffs: [Float], weights: [Float]) {
        precondition(bits == 2 || bits == 4, "bits must be 2 or 4")
        precondition(cutoffs.count == (1 << bits) - 1 && weights.count == 1 << bits)
        self.bits = bits
        self.dimension = dimension
        self.cutoffs = cutoffs
        self.weights = weights
    }

    /// Trains cut-offs and weights from residual values (any order; at most ~1M are used).
    public static func train(bits: Int, dimension: Int, residuals: [Float]) -> ResidualCodec {
        precondition(!residuals.isEmpty)
        var values = residuals
        let cap = 1 << 20
        if values.count > cap {
            let step = Double(values.count) / Double(cap)
            values = (0..<cap).map { residuals[Int(Double($0) * step)] }
        }
        values.sort()
        let levels = 1 << bits
        func quantile(_ q: Double) -> Float {
            let position = min(values.count - 1, max(0, Int((q * Double(values.count)).rounded(.down))))
            return values[position]
        }
        let cutoffs = (1..<levels).map { quantile(Double($0) / Double(levels)) }
        let weights = (0..<levels).map { quantile((Double($0) + 0.5) / Double(levels)) }
        return ResidualCodec(bits: bits, dimension: dimension, cutoffs: cutoffs, weights: weights)
    }

    /// Bytes of one token's codes.
    public var codeBytes: Int { tw_code_bytes(dimension, Int32(bits)) }
    /// The query width the scoring kernel reads (dimension padded to whole code groups).
    public var paddedDimension: Int { codeBytes * 8 / bits }

    /// Quantises `count` residual rows into `out` (`count × codeBytes`).
    public func encode(residuals: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<UInt8>) {
        cutoffs.withUnsafeBufferPointer { c in
            tw_quantize(residuals, count, dimension, Int32(bits), c.baseAddress!, out)
        }
    }

    /// The decoded residual of one token's codes.
    public func decode(codes: UnsafePointer<UInt8>) -> [Float] {
        var unpacked = [UInt8](repeating: 0, count: dimension)
        tw_unpack_codes(codes, dimension, Int32(bits), &unpacked)
        return unpacked.map { weights[Int($0)] }
    }
}
