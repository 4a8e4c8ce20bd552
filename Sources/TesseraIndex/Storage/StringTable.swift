#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A list of strings stored as one UTF-8 blob plus `count + 1` Int64 offsets (string `i` is
/// `bytes[offsets[i] ..< offsets[i + 1]]`). Used for document external ids (every index kind) and for the BM25
/// vocabulary; written with ``IndexFolderWriter/addStrings(_:_:)`` as the arrays `<name>.bytes` (uint8) and
/// `<name>.offsets` (int64).
public struct StringTable: RandomAccessCollection, Sendable {
    /// The UTF-8 bytes of all strings, back to back.
    public let bytes: IndexArray<UInt8>
    /// `count + 1` offsets into `bytes`, starting at 0, non-decreasing, ending at `bytes.count`.
    public let offsets: IndexArray<Int64>

    /// Builds a table in memory.
    public init(_ strings: some Sequence<String>) {
        var blob: [UInt8] = []
        var offs: [Int64] = [0]
        for s in strings {
            blob.append(contentsOf: s.utf8)
            offs.append(Int64(blob.count))
        }
        bytes = IndexArray(blob)
        offsets = IndexArray(offs)
    }

    /// Wraps stored arrays after checking that the offsets are consistent (`name` is used in errors).
    public init(bytes: IndexArray<UInt8>, offsets: IndexArray<Int64>, name: String) throws(IndexError) {
        guard offsets.count >= 1 else {
            throw IndexError(.invalidArray, "\(name).offsets: needs at least one offset (0)")
        }
        try offsets.withUnsafeBufferPointer { (o: UnsafeBufferPointer<Int64>) throws(IndexError) in
            guard o[0] == 0 else { throw IndexError(.invalidArray, "\(name).offsets: first offset is \(o[0]), expected 0") }
            var previous: Int64 = 0
            for i in 1..<o.count {
                guard o[i] >= previous else {
                    throw IndexError(.invalidArray, "\(name).offsets: offset \(i) (\(o[i])) is smaller than offset \(i - 1)")
                }
                previous = o[i]
            }
            guard previous == Int64(bytes.count) else {
                throw IndexError(.invalidArray, "\(name).offsets: last offset \(previous) but \(name).bytes holds \(bytes.count) bytes")
            }
        }
        self.bytes = bytes
        self.offsets = offsets
    }

    /// The first index, 0.
    public var startIndex: Int { 0 }
    /// The number of strings.
    public var endIndex: Int { offsets.count - 1 }

    /// The string at `position` (invalid UTF-8 is repaired with U+FFFD).
    public subscript(position: Int) -> String {
        withUTF8(at: position) { String(decoding: $0, as: UTF8.self) }
    }

    /// Calls `body` with the UTF-8 bytes of string `position`.
    public func withUTF8<R>(at position: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        precondition(position >= 0 && position < count, "string index \(position) out of range 0..<\(count)")
        let start = Int(offsets.buffer[position]), end = Int(offsets.buffer[position + 1])
        return try withExtendedLifetime(bytes) {
            try body(UnsafeBufferPointer(rebasing: bytes.buffer[start..<end]))
        }
    }

    /// Whether the strings are in strictly increasing byte order (so ``sortedIndex(of:)`` may be used).
    public var isStrictlySorted: Bool {
        var i = 1
        while i < count {
            if compare(i - 1, i) >= 0 { return false }
            i += 1
        }
        return true
    }

    /// Binary search in a table whose strings are strictly increasing in UTF-8 byte order.
    public func sortedIndex(of key: String) -> Int? {
        var key = key
        return key.withUTF8 { k in sortedIndex(ofUTF8: k) }
    }

    /// Binary search for UTF-8 bytes in a table whose strings are strictly increasing in byte order.
    public func sortedIndex(ofUTF8 key: UnsafeBufferPointer<UInt8>) -> Int? {
        var low = 0, high = count
        while low < high {
            let mid = (low + high) / 2
            let c = withUTF8(at: mid) { Self.compareBytes($0, key) }
            if c == 0 { return mid }
            if c < 0 { low = mid + 1 } else { high = mid }
        }
        return nil
    }

    /// A linear search (for unsorted tables such as document ids).
    public func firstIndex(of key: String) -> Int? {
        var key = key
        return key.withUTF8 { k in
            for i in 0..<count where withUTF8(at: i, { Self.compareBytes($0, k) == 0 }) { return i }
            return nil
        }
    }

    private func compare(_ a: Int, _ b: Int) -> Int {
        withUTF8(at: a) { x in withUTF8(at: b) { y in Self.compareBytes(x, y) } }
    }

    /// Lexicographic comparison of byte strings: negative, zero or positive.
    static func compareBytes(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
        let n = Swift.min(a.count, b.count)
        if n > 0, let pa = a.baseAddress, let pb = b.baseAddress {
            let c = memcmp(pa, pb, n)
            if c != 0 { return Int(c) }
        }
        return a.count - b.count
    }
}
