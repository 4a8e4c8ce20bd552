/// HF `BertNormalizer`: clean text, pad CJK ideographs with spaces, strip accents, lowercase — in that order,
/// with the Rust implementation's Unicode versions (see ``UnicodeClasses``, ``CanonicalDecomposition``).
struct BertNormalizer: Sendable, Equatable {
    /// Delete NUL, U+FFFD and Cc/Cf/Co (except `\t\n\r`), then map white space to `' '`.
    var cleanText = true
    /// Surround CJK ideographs with spaces.
    var handleChineseChars = true
    /// NFD then delete Mn; `nil` follows ``lowercase``.
    var stripAccents: Bool? = nil
    /// Full per-scalar lowercase mapping.
    var lowercase = true

    var strips: Bool { stripAccents ?? lowercase }

    /// Normalizes `scalars` (with their origins), appending to `out`.
    func normalize(_ scalars: ArraySlice<UInt32>, _ origins: ArraySlice<Int32>, into out: inout NormalizedText) {
        var run = Run(normalizer: self)
        swap(&run.out, &out)
        run.out.scalars.reserveCapacity(run.out.count + scalars.count)
        run.out.origins.reserveCapacity(run.out.count + scalars.count)
        var oi = origins.startIndex
        for c in scalars {
            let o = origins[oi]
            oi += 1
            if c < 0x80 {
                var c = c
                if cleanText {
                    if c < 0x20 {
                        guard c == 0x09 || c == 0x0A || c == 0x0D else { continue }
                        c = 0x20
                    } else if c == 0x7F {
                        continue
                    }
                }
                if !run.pending.scalars.isEmpty { run.flush() }
                if lowercase && c >= 0x41 && c <= 0x5A { c += 0x20 }
                run.out.append(c, o)
            } else {
                run.nonASCII(c, o)
            }
        }
        run.flush()
        swap(&run.out, &out)
    }

    /// State of one normalization pass: output plus the pending run of non-starters awaiting canonical
    /// ordering (only used when stripping accents).
    private struct Run {
        let normalizer: BertNormalizer
        var out = NormalizedText()
        var pending = NormalizedText()
        var decomposed: [UInt32] = []

        init(normalizer: BertNormalizer) {
            self.normalizer = normalizer
        }

        mutating func nonASCII(_ c: UInt32, _ o: Int32) {
            if normalizer.cleanText {
                if c == 0xFFFD || UnicodeClasses.isOther(c) { return }
                if UnicodeClasses.isWhitespace(c) {
                    flush()
                    out.append(0x20, o)
                    return
                }
            }
            if normalizer.handleChineseChars && UnicodeClasses.isChinese(c) {
                accents(0x20, o)
                accents(c, o)
                accents(0x20, o)
            } else {
                accents(c, o)
            }
        }

        /// Stage 3: NFD and removal of nonspacing marks.
        mutating func accents(_ c: UInt32, _ o: Int32) {
            guard normalizer.strips else {
                lower(c, o)
                return
            }
            if c < 0xC0 {
                flush()
                lower(c, o)
                return
            }
            decomposed.removeAll(keepingCapacity: true)
            CanonicalDecomposition.append(c, to: &decomposed)
            for d in decomposed {
                if CanonicalDecomposition.combiningClass(d) == 0 {
                    flush()
                    if !UnicodeClasses.isNonspacingMark(d) { lower(d, o) }
                } else {
                    pending.append(d, o)
                }
            }
        }

        /// Canonically orders the pending non-starters, drops the nonspacing marks, passes on the rest.
        mutating func flush() {
            guard !pending.scalars.isEmpty else { return }
            if pending.count > 1 { CanonicalDecomposition.reorder(&pending.scalars, 0..<pending.count) }
            for i in 0..<pending.count where !UnicodeClasses.isNonspacingMark(pending.scalars[i]) {
                lower(pending.scalars[i], pending.origins[i])
            }
            pending.removeAll()
        }

        /// Stage 4: lowercase.
        mutating func lower(_ c: UInt32, _ o: Int32) {
            guard normalizer.lowercase else {
                out.append(c, o)
                return
            }
            let before = out.scalars.count
            UnicodeClasses.appendLowercase(c, to: &out.scalars)
            for _ in before..<out.scalars.count { out.origins.append(o) }
        }
    }
}
