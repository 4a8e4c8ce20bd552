/// Text under normalization: Unicode scalars, each with the index of the original scalar it came from.
///
/// HF `tokenizers` keeps one alignment per normalized byte; every transformation used here maps each new
/// character to exactly one original character, so one origin per scalar carries the same information.
/// A token covering normalized scalars `a..<b` has original offsets `origins[a] ..< origins[b-1] + 1`.
struct NormalizedText: Sendable {
    /// Normalized scalars.
    var scalars: [UInt32] = []
    /// For each normalized scalar, the index of the original scalar it derives from.
    var origins: [Int32] = []

    init() {}

    init(scalars: [UInt32], origins: [Int32]) {
        self.scalars = scalars
        self.origins = origins
    }

    /// Identity text: `origins[i] == i`.
    init(identity scalars: [UInt32]) {
        self.scalars = scalars
        self.origins = (0..<Int32(scalars.count)).map { $0 }
    }

    var count: Int { scalars.count }

    @inline(__always)
    mutating func append(_ scalar: UInt32, _ origin: Int32) {
        scalars.append(scalar)
        origins.append(origin)
    }

    mutating func removeAll() {
        scalars.removeAll(keepingCapacity: true)
        origins.removeAll(keepingCapacity: true)
    }

    /// Original scalar range covered by normalized scalars `range` (non-empty).
    @inline(__always)
    func originalRange(_ range: Range<Int>) -> Range<Int> {
        Int(origins[range.lowerBound]) ..< Int(origins[range.upperBound - 1]) + 1
    }

    /// The normalized scalars of `range` as a String.
    func string(_ range: Range<Int>) -> String {
        var s = String.UnicodeScalarView()
        for c in scalars[range] {
            if let u = Unicode.Scalar(c) { s.append(u) }
        }
        return String(s)
    }
}

extension Array where Element == UInt32 {
    /// The Unicode scalar values of `s`.
    init(scalarsOf s: String) {
        self.init()
        reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars { append(u.value) }
    }
}
