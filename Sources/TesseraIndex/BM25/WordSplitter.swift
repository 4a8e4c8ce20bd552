/// Splits text into lowercased words on Unicode word boundaries.
///
/// A word is a maximal run of *word characters* — letters (Lu, Ll, Lt, Lm, Lo), numbers (Nd, Nl, No, and anything
/// else with a Unicode numeric type) and the underscore — in which combining marks (Mn, Mc, Me) and the zero-width
/// (non-)joiners U+200C/U+200D may also occur after the first character. Everything else separates words:
/// whitespace, punctuation (so apostrophes and hyphens split: `don't` → `don` `t`, `covid-19` → `covid` `19`),
/// symbols. Words with fewer than `minimumLength` word characters (marks not counted) are dropped.
///
/// This is bm25s's default token pattern `(?u)\b\w\w+\b` applied to `text.lower()`, with one deliberate difference:
/// Python's `\w` excludes combining marks, which cuts words of scripts written with them (Devanagari vowel signs,
/// decomposed accents) into pieces; here marks stay inside the word, as in Unicode's word-boundary rules
/// (UAX #29, `Extend`). Lowercasing is Unicode's full lowercase mapping (`İ` → `i̇`, `ẞ` → `ß`) with Python's
/// final-sigma rule (`Σ` → `ς` at the end of a word, else `σ`).
enum WordSplitter {
    private enum Class: UInt8 { case other = 0, word = 1, upper = 2 }

    /// ASCII classes: letters, digits and `_` are word characters; A–Z also need lowercasing.
    private static let asciiClass: [UInt8] = (0..<128).map { b -> UInt8 in
        switch b {
        case 0x41...0x5A: return Class.upper.rawValue
        case 0x61...0x7A, 0x30...0x39, 0x5F: return Class.word.rawValue
        default: return Class.other.rawValue
        }
    }

    /// Calls `body` with the UTF-8 bytes of each word of `text`, lowercased if `lowercase`.
    static func forEachWord(in text: String, lowercase: Bool, minimumLength: Int,
                            _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var text = text
        text.withUTF8 { bytes in
            var token: [UInt8] = []
            token.reserveCapacity(64)
            var wordCharacters = 0
            let n = bytes.count
            var i = 0
            @inline(__always) func flush() {
                if wordCharacters >= minimumLength { token.withUnsafeBufferPointer(body) }
                token.removeAll(keepingCapacity: true)
                wordCharacters = 0
            }
            asciiClass.withUnsafeBufferPointer { classes in
                while i < n {
                    let b = bytes[i]
                    if b < 0x80 {
                        let c = classes[Int(b)]
                        if c == Class.other.rawValue {
                            if !token.isEmpty { flush() }
                        } else {
                            token.append(c == Class.upper.rawValue && lowercase ? b | 0x20 : b)
                            wordCharacters += 1
                        }
                        i += 1
                        continue
                    }
                    let (value, length) = decode(bytes, at: i)
                    let scalar = Unicode.Scalar(value)!
                    let properties = scalar.properties
                    let isWord: Bool
                    switch properties.generalCategory {
                    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
                         .decimalNumber, .letterNumber, .otherNumber:
                        isWord = true
                    case .nonspacingMark, .spacingMark, .enclosingMark:
                        isWord = false
                    default:
                        if value == 0x200C || value == 0x200D {
                            isWord = false
                        } else if properties.numericType != nil {
                            isWord = true
                        } else {
                            if !token.isEmpty { flush() }
                            i += length
                            continue
                        }
                    }
                    // A joiner (mark, ZWJ, ZWNJ) only continues a word; alone it is dropped.
                    if !isWord && token.isEmpty {
                        i += length
                        continue
                    }
                    if lowercase && properties.changesWhenLowercased {
                        if value == 0x3A3 {
                            let final = isFinalSigma(bytes, at: i, length: length)
                            token.append(contentsOf: final ? [0xCF, 0x82] : [0xCF, 0x83])  // ς or σ
                        } else {
                            token.append(contentsOf: properties.lowercaseMapping.utf8)
                        }
                    } else {
                        token.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[i..<(i + length)]))
                    }
                    if isWord { wordCharacters += 1 }
                    i += length
                }
            }
            flush()
        }
    }

    /// Decodes the scalar starting at `i` of valid UTF-8.
    @inline(__always)
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> (UInt32, Int) {
        let b0 = UInt32(bytes[i])
        if b0 < 0x80 { return (b0, 1) }
        if b0 < 0xE0 { return (((b0 & 0x1F) << 6) | (UInt32(bytes[i + 1]) & 0x3F), 2) }
        if b0 < 0xF0 {
            return (((b0 & 0x0F) << 12) | ((UInt32(bytes[i + 1]) & 0x3F) << 6) | (UInt32(bytes[i + 2]) & 0x3F), 3)
        }
        return (((b0 & 0x07) << 18) | ((UInt32(bytes[i + 1]) & 0x3F) << 12) | ((UInt32(bytes[i + 2]) & 0x3F) << 6)
                    | (UInt32(bytes[i + 3]) & 0x3F), 4)
    }

    /// Python's (and Unicode's) Final_Sigma condition for the capital sigma at byte `i`: preceded by a cased
    /// character (case-ignorable characters skipped) and not followed by one.
    static func isFinalSigma(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int, length: Int) -> Bool {
        var j = i
        var precededByCased = false
        while j > 0 {
            j -= 1
            while j > 0 && bytes[j] & 0xC0 == 0x80 { j -= 1 }
            let properties = Unicode.Scalar(decode(bytes, at: j).0)!.properties
            if properties.isCaseIgnorable { continue }
            precededByCased = properties.isCased
            break
        }
        guard precededByCased else { return false }
        var k = i + length
        while k < bytes.count {
            let (value, n) = decode(bytes, at: k)
            let properties = Unicode.Scalar(value)!.properties
            if properties.isCaseIgnorable {
                k += n
                continue
            }
            return !properties.isCased
        }
        return true
    }
}
