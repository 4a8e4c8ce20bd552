import Foundation

/// Canonical decomposition (NFD) as `unicode-normalization-alignments` 0.1.12 computes it: Unicode 9.0
/// tables, so scalars assigned later neither decompose nor reorder (their combining class is 0).
enum CanonicalDecomposition {
    /// Full canonical decompositions of the scalars that have one (Hangul excepted), for scalars assigned
    /// by Unicode 9.0. Built once, on first use, from Foundation's NFD over the ranges where such
    /// decompositions exist.
    static let table: [UInt32: [UInt32]] = {
        var table: [UInt32: [UInt32]] = [:]
        let ranges: [Range<UInt32>] = [0xC0..<0x3100, 0xF900..<0xFB50, 0x11000..<0x11600, 0x1D100..<0x1D200,
                                       0x2F800..<0x2FA20]
        for range in ranges {
            for v in range {
                guard let s = Unicode.Scalar(v), UnicodeClasses.assignedByUnicode9(s.properties) else { continue }
                if s.properties.generalCategory == .unassigned { continue }
                let d = String(Character(s)).decomposedStringWithCanonicalMapping.unicodeScalars.map(\.value)
                if d.count != 1 || d[0] != v { table[v] = d }
            }
        }
        return table
    }()

    /// Appends the canonical decomposition of `c` (or `c` itself) to `out`.
    @inline(__always)
    static func append(_ c: UInt32, to out: inout [UInt32]) {
        if c < 0xC0 || (c >= 0x3400 && c < 0xAC00) || (c >= 0xD7A4 && c < 0xF900) || (c >= 0x20000 && c < 0x2F800) {
            out.append(c)
            return
        }
        if c >= 0xAC00 && c < 0xD7A4 {  // Hangul syllable: algorithmic
            let index = c - 0xAC00
            out.append(0x1100 + index / 588)
            out.append(0x1161 + (index % 588) / 28)
            let t = index % 28
            if t != 0 { out.append(0x11A7 + t) }
            return
        }
        if let d = table[c] {
            out.append(contentsOf: d)
        } else {
            out.append(c)
        }
    }

    /// Canonical combining class under Unicode 9.0 (0 for scalars assigned later).
    @inline(__always)
    static func combiningClass(_ c: UInt32) -> UInt8 {
        if c < 0x300 { return 0 }
        guard let s = Unicode.Scalar(c) else { return 0 }
        let p = s.properties
        guard UnicodeClasses.assignedByUnicode9(p) else { return 0 }
        return p.canonicalCombiningClass.rawValue
    }

    /// Canonical ordering: stable-sorts each run of non-starters in `scalars[range]` by combining class.
    /// Origins stay in place (HF's alignments follow positions, not characters).
    static func reorder(_ scalars: inout [UInt32], _ range: Range<Int>) {
        var i = range.lowerBound
        while i < range.upperBound {
            guard combiningClass(scalars[i]) != 0 else { i += 1; continue }
            var j = i + 1
            while j < range.upperBound, combiningClass(scalars[j]) != 0 { j += 1 }
            if j - i > 1 {
                let run = scalars[i..<j].enumerated().sorted {
                    let a = combiningClass($0.element), b = combiningClass($1.element)
                    return a != b ? a < b : $0.offset < $1.offset
                }
                for (k, item) in run.enumerated() { scalars[i + k] = item.element }
            }
            i = j
        }
    }
}
