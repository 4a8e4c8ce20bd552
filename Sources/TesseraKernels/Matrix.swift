import Foundation

/// An owned, row-major float tensor of any rank (a matrix when it has two dimensions), 64-byte aligned.
///
/// A reference type: the memory never moves and is never copied behind the caller's back, so kernels can keep
/// pointers into it (packed GEMM weights, optimiser state). Weights being trained, their gradients and the
/// optimiser's moments are all `Matrix` values. Not thread-safe while written.
public final class Matrix: @unchecked Sendable {
    /// The dimensions, outermost first (`[rows, cols]` for a matrix, `[count]` for a vector).
    public let shape: [Int]
    /// The number of elements.
    public let count: Int
    private let storage: FloatBuffer
    private let pool: MatrixPool?

    /// A zero-filled tensor of `shape`.
    public init(shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        count = shape.reduce(1, *)
        storage = FloatBuffer(capacity: count)
        pool = nil
    }

    /// A tensor of `shape` whose memory comes from `pool` and goes back to it when the tensor is released; its
    /// values are whatever the memory held (the caller overwrites them).
    public init(shape: [Int], pool: MatrixPool) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        count = shape.reduce(1, *)
        storage = pool.take(count)
        self.pool = pool
    }

    deinit { pool?.give(storage) }

    /// A tensor of `shape` holding a copy of `values` (`values.count` must equal the shape's element count).
    public convenience init(shape: [Int], values: [Float]) {
        self.init(shape: shape)
        precondition(values.count == count, "\(values.count) values for shape \(shape)")
        values.withUnsafeBufferPointer { if let base = $0.baseAddress { pointer.update(from: base, count: count) } }
    }

    /// A tensor of `shape` holding a copy of `count` floats at `source`.
    public convenience init(shape: [Int], copying source: UnsafePointer<Float>) {
        self.init(shape: shape)
        pointer.update(from: source, count: count)
    }

    /// The first element; valid for `count` floats while the tensor lives.
    public var pointer: UnsafeMutablePointer<Float> { storage.pointer }

    /// Rows: the first dimension (1 for a scalar).
    public var rows: Int { shape.first ?? 1 }

    /// Columns: the product of every dimension but the first (1 for a vector).
    public var cols: Int { shape.count <= 1 ? 1 : count / max(rows, 1) }

    /// A copy of the values, row-major.
    public var values: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    /// Sets every element to zero.
    public func zero() { pointer.update(repeating: 0, count: count) }

    /// Copies `other`'s values (same element count) into this tensor.
    public func copy(from other: Matrix) {
        precondition(other.count == count, "copying \(other.shape) into \(shape)")
        pointer.update(from: other.pointer, count: count)
    }
}

/// Memory for short-lived tensors of similar sizes made again and again (the activations of each training step):
/// released tensors' buffers are kept and handed out again, so the steady state allocates nothing and touches no
/// fresh pages. Thread-safe.
public final class MatrixPool: @unchecked Sendable {
    private var free: [FloatBuffer] = []
    private let lock = NSLock()
    private let limit: Int

    /// A pool keeping at most `limit` free buffers.
    public init(limit: Int = 512) { self.limit = limit }

    func take(_ count: Int) -> FloatBuffer {
        lock.lock()
        defer { lock.unlock() }
        // Best fit: the smallest free buffer that is large enough.
        var best: Int? = nil
        for (i, b) in free.enumerated() where b.capacity >= count && (best.map { b.capacity < free[$0].capacity } ?? true) { best = i }
        if let best { return free.swapRemoveAt(best) }
        return FloatBuffer(capacity: count)
    }

    func give(_ buffer: FloatBuffer) {
        lock.lock()
        defer { lock.unlock() }
        if free.count < limit { free.append(buffer) }
    }
}

extension Array {
    fileprivate mutating func swapRemoveAt(_ i: Int) -> Element {
        swapAt(i, count - 1)
        return removeLast()
    }
}
