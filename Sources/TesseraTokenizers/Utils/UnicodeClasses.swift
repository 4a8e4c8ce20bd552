/// Character classes exactly as HF `tokenizers` (Rust) computes them.
///
/// General-category tests come from the crate `unicode_categories` 0.1.1, whose tables are Unicode 8.0:
/// a scalar assigned later is in none of its categories. We emulate that with the scalar's age. White
/// space and lowercase come from Rust's std (current Unicode), which Swift's properties match.
enum UnicodeClasses {
    /// True if the scalar was assigned in Unicode 8.0 or earlier.
    @inline(__always)
    static func assignedByUnicode8(_ p: Unicode.Scalar.Properties) -> Bool {
        guard let age = p.age else { return false }
        return age.major < 8 || (age.major == 8 && age.minor == 0)
    }

    /// True if the scalar was assigned in Unicode 9.0 or earlier (tables of `unicode-normalization-alignments`).
    @inline(__always)
    static func assignedByUnicode9(_ p: Unicode.Scalar.Properties) -> Bool {
        guard let age = p.age else { return false }
        return age.major < 9 || (age.major == 9 && age.minor == 0)
    }

    /// `char::is_whitespace` (the White_Space property).
    @inline(__always)
    static func isWhitespace(_ c: UInt32) -> Bool {
        if c < 0x80 { return c == 0x20 || (c >= 0x09 && c <= 0x0D) }
        guard let s = Unicode.Scalar(c) else { return false }
        return s.properties.isWhitespace
    }

    /// `unicode_categories::is_other` restricted to what the Rust crate reports: Cc, Cf or Co (Unicode 8.0).
    static func isOther(_ c: UInt32) -> Bool {
        if c < 0x80 { return c < 0x20 || c == 0x7F }
        guard let s = Unicode.Scalar(c) else { return false }
        let p = s.properties
        switch p.generalCategory {
        case .control, .format, .privateUse: return assignedByUnicode8(p)
        default: return false
        }
    }

    /// `unicode_categories::is_punctuation`: Pc, Pd, Ps, Pe, Pi, Pf or Po in Unicode 8.0.
    static func isPunctuation(_ c: UInt32) -> Bool {
        // Scalars whose general category changed after Unicode 8.0: U+166D (Po → So in 12.0),
        // U+111C9 (Po → Mn in 11.0).
        if c == 0x166D || c == 0x111C9 { return true }
        guard let s = Unicode.Scalar(c) else { return false }
        let p = s.properties
        switch p.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return assignedByUnicode8(p)
        default:
            return false
        }
    }

    /// `char::is_ascii_punctuation`: ``!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~``.
    @inline(__always)
    static func isASCIIPunctuation(_ c: UInt32) -> Bool {
        (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7E)
    }

    /// BertPreTokenizer's `is_bert_punc`: ASCII punctuation or Unicode-8.0 punctuation.
    @inline(__always)
    static func isBertPunctuation(_ c: UInt32) -> Bool {
        if c < 0x80 { return isASCIIPunctuation(c) }
        return isPunctuation(c)
    }

    /// `unicode_categories::is_mark_nonspacing`: Mn in Unicode 8.0.
    static func isNonspacingMark(_ c: UInt32) -> Bool {
        if c < 0x300 { return false }
        // Scalars whose general category changed after Unicode 8.0: U+1734 and U+1171E were Mn (now Mc);
        // U+1885, U+1886 (Lo), U+A9BD (Mc) and U+111C9 (Po) are Mn only since 9.0–12.0.
        switch c {
        case 0x1734, 0x1171E: return true
        case 0x1885, 0x1886, 0xA9BD, 0x111C9: return false
        default: break
        }
        guard let s = Unicode.Scalar(c) else { return false }
        let p = s.properties
        return p.generalCategory == .nonspacingMark && assignedByUnicode8(p)
    }

    /// `unicode_normalization_alignments::char::is_combining_mark`: Mn, Mc or Me in Unicode 9.0.
    static func isCombiningMark(_ c: UInt32) -> Bool {
        if c < 0x300 { return false }
        switch c {
        case 0x111C9: return false  // Po in Unicode 9.0, Mn since 11.0
        case 0x1CF2, 0x1CF3: return true  // Mc in Unicode 9.0, Lo since 10.0
        default: break
        }
        guard let s = Unicode.Scalar(c) else { return false }
        let p = s.properties
        switch p.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return assignedByUnicode9(p)
        default: return false
        }
    }

    /// BertNormalizer's `is_chinese_char` (note 0x2B920, not 0x2B820, as in the Rust code).
    @inline(__always)
    static func isChinese(_ c: UInt32) -> Bool {
        (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF)
            || (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF)
            || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F)
    }

    /// The regex crate's Unicode `\w`: Alphabetic, marks, decimal digits, connector punctuation, Join_Control
    /// (its tables are Unicode 16.0, so later scalars are not word characters).
    static func isWordCharacter(_ c: UInt32) -> Bool {
        if c < 0x80 {
            return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F
        }
        guard let s = Unicode.Scalar(c) else { return false }
        let p = s.properties
        guard let age = p.age, age.major <= 16 else { return false }
        if p.isAlphabetic || p.isJoinControl { return true }
        switch p.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation: return true
        default: return false
        }
    }

    /// `char::is_numeric`: Nd, Nl or No.
    static func isNumeric(_ c: UInt32) -> Bool {
        if c < 0x80 { return c >= 0x30 && c <= 0x39 }
        guard let s = Unicode.Scalar(c) else { return false }
        switch s.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    /// Appends the full lowercase mapping of `c` (`char::to_lowercase`: no final-sigma context).
    @inline(__always)
    static func appendLowercase(_ c: UInt32, to out: inout [UInt32]) {
        if c < 0x80 {
            out.append(c >= 0x41 && c <= 0x5A ? c + 0x20 : c)
            return
        }
        guard let s = Unicode.Scalar(c), s.properties.changesWhenLowercased else {
            out.append(c)
            return
        }
        for l in s.properties.lowercaseMapping.unicodeScalars { out.append(l.value) }
    }
}
