import TesseraIO

#if _endian(big)
#error("Tessera index files are little-endian; big-endian hosts are not supported")
#endif

/// The element types an index array file may hold (stored little-endian, densely packed).
public enum IndexScalarType: String, Sendable, CaseIterable {
    /// `Int32`.
    case int32
    /// `UInt32`.
    case uint32
    /// `Int64`.
    case int64
    /// `Float` (IEEE 754 binary32).
    case float32
    /// `UInt8`.
    case uint8
    /// `UInt16` (also used for raw fp16/bf16 bits).
    case uint16

    /// Bytes per element.
    public var byteWidth: Int {
        switch self {
        case .uint8: return 1
        case .uint16: return 2
        case .int32, .uint32, .float32: return 4
        case .int64: return 8
        }
    }
}

/// A type that can be stored in an index array file.
public protocol IndexScalar: BitwiseCopyable, Sendable {
    /// The manifest's name for this element type.
    static var indexScalarType: IndexScalarType { get }
}

extension Int32: IndexScalar { public static var indexScalarType: IndexScalarType { .int32 } }
extension UInt32: IndexScalar { public static var indexScalarType: IndexScalarType { .uint32 } }
extension Int64: IndexScalar { public static var indexScalarType: IndexScalarType { .int64 } }
extension Float: IndexScalar { public static var indexScalarType: IndexScalarType { .float32 } }
extension UInt8: IndexScalar { public static var indexScalarType: IndexScalarType { .uint8 } }
extension UInt16: IndexScalar { public static var indexScalarType: IndexScalarType { .uint16 } }

/// Memory that an ``IndexArray`` keeps alive: a heap allocation or a memory-mapped file.
final class ArrayOwner: @unchecked Sendable {
    private let allocation: UnsafeMutableRawPointer?
    private let mapped: MappedFile?

    init(allocation: UnsafeMutableRawPointer) {
        self.allocation = allocation
        mapped = nil
    }

    init(mapped: MappedFile) {
        allocation = nil
        self.mapped = mapped
    }

    deinit { allocation?.deallocate() }
}

/// A read-only, flat array of index scalars: either memory-mapped from an index folder or owned in memory
/// (a freshly built index). Copies share the memory; it is freed (or unmapped) when the last copy goes, so keep the
/// array alive while using ``buffer`` (or use ``withUnsafeBufferPointer(_:)``).
public struct IndexArray<Element: IndexScalar>: RandomAccessCollection, @unchecked Sendable {
    /// The elements.
    public let buffer: UnsafeBufferPointer<Element>
    private let owner: ArrayOwner?

    /// Copies `values` into an owned, 64-byte aligned allocation.
    public init(_ values: some Collection<Element>) {
        let count = values.count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(count, 1) * MemoryLayout<Element>.stride,
                                                   alignment: 64)
        let typed = raw.bindMemory(to: Element.self, capacity: Swift.max(count, 1))
        var i = 0
        for v in values {
            (typed + i).initialize(to: v)
            i += 1
        }
        buffer = UnsafeBufferPointer(start: typed, count: count)
        owner = ArrayOwner(allocation: raw)
    }

    /// An empty array.
    public init() {
        self.init([Element]())
    }

    /// Views the bytes of a mapped file (which must be aligned for `Element` and a whole number of elements).
    init(mapped file: MappedFile) {
        let count = file.bytes.count / MemoryLayout<Element>.stride
        if let base = file.bytes.baseAddress, count > 0 {
            buffer = UnsafeBufferPointer(start: base.assumingMemoryBound(to: Element.self), count: count)
        } else {
            buffer = UnsafeBufferPointer(start: nil, count: 0)
        }
        owner = ArrayOwner(mapped: file)
    }

    /// The first index, 0.
    public var startIndex: Int { 0 }
    /// The number of elements.
    public var endIndex: Int { buffer.count }
    /// The element at `position` (bounds-checked).
    public subscript(position: Int) -> Element { buffer[position] }

    /// Calls `body` with the elements' memory (valid only during the call).
    public func withUnsafeBufferPointer<R, E: Error>(_ body: (UnsafeBufferPointer<Element>) throws(E) -> R) throws(E) -> R {
        try withExtendedLifetime(owner) { () throws(E) -> R in try body(buffer) }
    }

    /// The elements as raw bytes.
    public var rawBytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(buffer) }
}
