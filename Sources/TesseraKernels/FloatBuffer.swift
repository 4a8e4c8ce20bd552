/// A growable, manually managed, 64-byte aligned float buffer for hot loops: no copy-on-write, no bounds checks.
///
/// Each worker owns its buffers; a buffer is never shared between threads while it is written.
public final class FloatBuffer: @unchecked Sendable {
    /// The first element; valid for `capacity` floats.
    public private(set) var pointer: UnsafeMutablePointer<Float>
    /// The number of floats allocated.
    public private(set) var capacity: Int

    /// Allocates `capacity` floats (zeroed).
    public init(capacity: Int = 0) {
        self.capacity = max(capacity, 1)
        pointer = Self.allocate(self.capacity)
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }

    /// 64-byte aligned (AVX-512 loads), zeroed memory.
    private static func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
        return raw.initializeMemory(as: Float.self, repeating: 0, count: count)
    }

    /// Makes room for at least `count` floats; old contents are not kept.
    public func reserve(_ count: Int) {
        guard count > capacity else { return }
        UnsafeMutableRawPointer(pointer).deallocate()
        capacity = count
        pointer = Self.allocate(count)
    }
}
