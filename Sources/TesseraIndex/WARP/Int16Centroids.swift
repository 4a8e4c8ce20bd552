import CTesseraKernels

/// Centroids as int16 with one inverse scale each, in the panel layout of `tw_centroid_scores_i16` (AVX2 stage 1 of
/// the WARP engine and the build's nearest-centroid screen; see ``CentroidScreening/int16``).
public struct Int16Centroids: Sendable {
    /// `tw_packed_centroids_count(k, dimension)` values: panels of 32 centroids, dimensions in pairs.
    public let packed: [Int16]
    /// One per centroid: multiplies an integer dot product back to the float scale (0 for a zero centroid).
    public let inverseScales: [Float]

    /// Packs `k × dimension` float centroids.
    public init(centroids: UnsafePointer<Float>, k: Int, dimension d: Int) {
        var packed = [Int16](repeating: 0, count: tw_packed_centroids_count(k, d))
        var scales = [Float](repeating: 0, count: k)
        packed.withUnsafeMutableBufferPointer { o in
            scales.withUnsafeMutableBufferPointer { tw_pack_centroids_i16(centroids, k, d, o.baseAddress!, $0.baseAddress!) }
        }
        self.packed = packed
        inverseScales = scales
    }
}
