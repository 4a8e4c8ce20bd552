import TesseraIO
import TesseraKernels

extension IndexKind {
    /// Compressed token index read by the WARP engine (centroids + residual codes, postings by centroid): kind `tokens`,
    /// layout `warp` in a format-2 manifest, `tokens-warp` in format 1.
    public static let tokensWARP: IndexKind = "tokens-warp"
}

/// Build settings of a compressed (WARP) token index.
public struct WARPBuildParameters: Sendable {
    /// Bits per dimension of the residual codes: 2 or 4.
    public var bits: Int = 4
    /// Number of k-means centroids; nil: 2^floor(log2(16·√N)) for N indexed token vectors.
    public var centroids: Int? = nil
    /// β: fraction of each document's tokens kept, the most salient (IDF) first; 1 keeps every token.
    public var prune: Double = 1
    /// Training points per centroid for k-means (the sample is at most this many times the centroid count,
    /// and at least `minimumSample` points or the whole corpus).
    public var samplePerCentroid: Int = 8
    /// Lower bound of the k-means sample.
    public var minimumSample: Int = 65_536
    /// Upper bound of the k-means sample.
    public var maximumSample: Int = 262_144
    /// k-means iterations.
    public var iterations: Int = 8
    /// Threads for k-means and encoding.
    public var threads: Int = min(2, Parallel.availableCores)
    /// Seed of the sample and of k-means initialisation.
    public var seed: UInt64 = 0x5EED_3A9D
    /// Centroids and residual codec to encode with instead of training new ones (nil: train). A collection's new
    /// segment is encoded against the codebook of the data it already holds, as PLAID adds documents.
    public var codebook: WARPCodebook? = nil
    /// Defaults.
    public init() {}

    /// The default centroid count for `tokens` indexed vectors: 2^floor(log2(16·√N)), at most N, at least 1.
    public static func defaultCentroids(tokens: Int) -> Int {
        guard tokens > 1 else { return 1 }
        let target = 16 * Double(tokens).squareRoot()
        var k = 1
        while k * 2 <= Int(target) { k *= 2 }
        return max(1, min(k, tokens))
    }
}


/// The trained part of a compressed token index: centroids (bfloat16 bits, `count × dimension`) and the residual
/// codec. Taken from an index with ``WARPIndex/codebook`` and given to a build through
/// ``WARPBuildParameters/codebook``.
public struct WARPCodebook: Sendable, Equatable {
    /// Centroids as bfloat16 bit patterns, row-major `count × dimension`.
    public let centroidBits: [UInt16]
    /// The residual codec (its bits and dimension).
    public let codec: ResidualCodec

    /// Wraps centroids and a codec of the same dimension.
    public init(centroidBits: [UInt16], codec: ResidualCodec) throws(IndexError) {
        guard codec.dimension > 0, !centroidBits.isEmpty, centroidBits.count % codec.dimension == 0 else {
            throw IndexError(.invalidArgument, "codebook: \(centroidBits.count) centroid values do not make rows of width \(codec.dimension)")
        }
        self.centroidBits = centroidBits
        self.codec = codec
    }

    /// Vector width.
    public var dimension: Int { codec.dimension }
    /// Number of centroids.
    public var count: Int { centroidBits.count / codec.dimension }
}
