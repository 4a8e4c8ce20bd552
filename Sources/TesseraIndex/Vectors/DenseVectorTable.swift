/// One pooled vector per document, row-major float32 `count × dimension`, memory-mapped from an index folder.
public struct DenseVectorTable: @unchecked Sendable {
    /// Documents (rows).
    public let count: Int
    /// Stored width of each vector.
    public let dimension: Int
    /// The `count × dimension` values.
    public let values: IndexArray<Float>
    /// The first value of row 0 (rows follow contiguously); valid as long as `values` is alive.
    public let baseAddress: UnsafePointer<Float>

    /// Wraps `values`, which must hold `count × dimension` floats (at least one row).
    public init(values: IndexArray<Float>, count: Int, dimension: Int) throws(IndexError) {
        guard count > 0, dimension > 0 else {
            throw IndexError(.invalidArray, "dense vectors: \(count) rows of width \(dimension) (an index needs at least one document)")
        }
        guard values.count == count * dimension else {
            throw IndexError(.invalidArray, "dense vectors: \(values.count) values for \(count) × \(dimension)")
        }
        guard let base = values.buffer.baseAddress else { throw IndexError(.invalidArray, "dense vectors: no storage") }
        self.values = values
        self.count = count
        self.dimension = dimension
        baseAddress = base
    }
}
