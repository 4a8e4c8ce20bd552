import Testing
@testable import TesseraTokenizers

/// Pre-tokenizer stage tests (FORMATS.md §3 edge-case table, last column, plus other kinds).
@Suite struct PreTokenizerTests {
    /// Normalizes with the uncased BertNormalizer, then splits with `p`.
    static func words(_ s: String, _ p: PreTokenizer = .bert, normalize: Bool = true) -> [String] {
        let text: NormalizedText
        if normalize {
            text = NormalizerTests.normalizeText(s)
        } else {
            text = NormalizedText(identity: [UInt32](scalarsOf: s))
        }
        var ranges: [Range<Int>] = []
        p.split(text, 0..<text.count, into: &ranges)
        return ranges.map { text.string($0) }
    }

    @Test(arguments: [
        ("Hello, World!", ["hello", ",", "world", "!"]),
        ("Café naïve", ["cafe", "naive"]),
        ("野口 a", ["野", "口", "a"]),
        ("a\u{2B820}b", ["a\u{2B820}b"]),
        ("a\u{2B920}b", ["a", "\u{2B920}", "b"]),
        ("a\u{2E43}b", ["a\u{2E43}b"]),
        ("a\u{200B}b", ["ab"]),
        ("a\u{85}b", ["ab"]),
        ("a\u{A0}b", ["a", "b"]),
        ("a\u{3000}b", ["a", "b"]),
        ("a\u{2028}b", ["a", "b"]),
        ("x\r\ny", ["x", "y"]),
        ("\u{130}", ["i"]),
        ("ΣΑΣ", ["σασ"]),
        ("$5+3=8", ["$", "5", "+", "3", "=", "8"]),
        ("€ ¿a — “a”", ["€", "¿", "a", "—", "“", "a", "”"]),
        ("?!?", ["?", "!", "?"]),
        ("a\u{166D}b", ["a", "\u{166D}", "b"]),  // Po in Unicode 8.0 (So now)
        ("a\u{2E4F}b", ["a\u{2E4F}b"]),          // Po since 12.0: not punctuation for HF
        ("", []),
    ])
    func bertEdgeTable(input: String, expected: [String]) {
        #expect(Self.words(input) == expected)
    }

    @Test func otherKinds() {
        let s = "Hi, you2 ... 123-4!!"
        #expect(Self.words(s, .whitespaceSplit, normalize: false) == ["Hi,", "you2", "...", "123-4!!"])
        #expect(Self.words(s, .whitespace, normalize: false) == ["Hi", ",", "you2", "...", "123", "-", "4", "!!"])
        #expect(Self.words("a,,b", .punctuation(.isolated), normalize: false) == ["a", ",", ",", "b"])
        #expect(Self.words("a,,b", .punctuation(.removed), normalize: false) == ["a", "b"])
        #expect(Self.words("a,,b", .punctuation(.mergedWithPrevious), normalize: false) == ["a,", ",", "b"])
        #expect(Self.words("a,,b", .punctuation(.mergedWithNext), normalize: false) == ["a", ",", ",b"])
        #expect(Self.words("a,,b", .punctuation(.contiguous), normalize: false) == ["a", ",,", "b"])
        #expect(Self.words(",a,,b,", .punctuation(.mergedWithPrevious), normalize: false) == [",", "a,", ",", "b,"])
        #expect(Self.words(",a,,b,", .punctuation(.mergedWithNext), normalize: false) == [",a", ",", ",b", ","])
        #expect(Self.words(",a,,b,", .punctuation(.contiguous), normalize: false) == [",", "a", ",,", "b", ","])
        #expect(Self.words("ab123c", .digits(individualDigits: true), normalize: false) == ["ab", "1", "2", "3", "c"])
        #expect(Self.words("ab123c", .digits(individualDigits: false), normalize: false) == ["ab", "123", "c"])
        #expect(Self.words("ab1, c2", .sequence([.whitespaceSplit, .digits(individualDigits: true)]), normalize: false)
                == ["ab", "1", ",", "c", "2"])
    }
}
