/// An open-addressing hash table from byte strings to entry indices.
///
/// Keys are compared as UTF-8 bytes (never with Swift's canonical-equivalence `String ==`), and lookups
/// take a pointer and a length, so they allocate nothing.
struct ByteStringTable: Sendable {
    /// All keys, back to back.
    private(set) var bytes: [UInt8] = []
    private var starts: [Int32] = []
    private var lengths: [Int32] = []
    private var hashes: [UInt64] = []
    /// Payload of each entry.
    private(set) var values: [Int32] = []
    private var slots: [Int32]
    private var mask: Int
    /// Length in bytes of the longest key.
    private(set) var maxKeyLength = 0

    /// Creates an empty table sized for about `expectedCount` keys.
    init(expectedCount: Int = 16) {
        var capacity = 16
        while capacity < expectedCount * 2 { capacity <<= 1 }
        slots = Array(repeating: -1, count: capacity)
        mask = capacity - 1
    }

    /// The number of distinct keys.
    var count: Int { values.count }

    @inline(__always)
    static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in 0..<n {
            h = (h ^ UInt64(p[i])) &* 0x100_0000_01b3
        }
        return h ^ (h >> 29)
    }

    /// Inserts `key` with `value`, or replaces the value of an existing equal key (last wins, like a
    /// Rust `HashMap` filled in file order). Returns the entry index.
    @discardableResult
    mutating func insert(_ key: UnsafeBufferPointer<UInt8>, value: Int32) -> Int {
        guard let p = key.baseAddress, key.count > 0 else {
            return withUnsafePointer(to: UInt8(0)) { insert($0, 0, value: value) }
        }
        return insert(p, key.count, value: value)
    }

    private mutating func insert(_ p: UnsafePointer<UInt8>, _ n: Int, value: Int32) -> Int {
        let existing = find(p, n)
        if existing >= 0 {
            values[existing] = value
            return existing
        }
        if (values.count + 1) * 2 > slots.count { grow() }
        let h = Self.hash(p, n)
        let entry = values.count
        starts.append(Int32(bytes.count))
        lengths.append(Int32(n))
        hashes.append(h)
        values.append(value)
        bytes.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
        maxKeyLength = max(maxKeyLength, n)
        place(entry, hash: h)
        return entry
    }

    /// Inserts the UTF-8 bytes of `key` (see the buffer overload).
    @discardableResult
    mutating func insert(_ key: String, value: Int32) -> Int {
        var key = key
        return key.withUTF8 { insert($0, value: value) }
    }

    private mutating func place(_ entry: Int, hash h: UInt64) {
        var slot = Int(truncatingIfNeeded: h) & mask
        while slots[slot] >= 0 { slot = (slot + 1) & mask }
        slots[slot] = Int32(entry)
    }

    private mutating func grow() {
        slots = Array(repeating: -1, count: slots.count * 2)
        mask = slots.count - 1
        for entry in 0..<values.count { place(entry, hash: hashes[entry]) }
    }

    /// Entry index of the key with exactly the `n` bytes at `p`, or -1.
    @inline(__always)
    func find(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int {
        if n > maxKeyLength { return -1 }
        let h = Self.hash(p, n)
        var slot = Int(truncatingIfNeeded: h) & mask
        return bytes.withUnsafeBufferPointer { stored -> Int in
            while true {
                let entry = Int(slots[slot])
                if entry < 0 { return -1 }
                if hashes[entry] == h && Int(lengths[entry]) == n {
                    let start = Int(starts[entry])
                    if n == 0 { return entry }
                    if let base = stored.baseAddress, memcmp(base + start, p, n) == 0 { return entry }
                }
                slot = (slot + 1) & mask
            }
        }
    }

    /// Entry index of the UTF-8 bytes of `key`, or -1.
    func find(_ key: String) -> Int {
        var key = key
        return key.withUTF8 { buffer in
            guard let p = buffer.baseAddress else {
                return withUnsafePointer(to: UInt8(0)) { find($0, 0) }
            }
            return find(p, buffer.count)
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
