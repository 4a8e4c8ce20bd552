import Testing
@testable import TesseraTokenizers

/// BertNormalizer stage tests: FORMATS.md §3 edge-case table and the Unicode-8.0 category quirks.
@Suite struct NormalizerTests {
    static let uncased = BertNormalizer()
    static let cased = BertNormalizer(cleanText: true, handleChineseChars: true, stripAccents: nil, lowercase: false)

    static func normalize(_ s: String, _ n: BertNormalizer = uncased) -> String {
        normalizeText(s, n).string(0..<normalizeText(s, n).count)
    }

    static func normalizeText(_ s: String, _ n: BertNormalizer = uncased) -> NormalizedText {
        let input = NormalizedText(identity: [UInt32](scalarsOf: s))
        var out = NormalizedText()
        n.normalize(input.scalars[...], input.origins[...], into: &out)
        return out
    }

    @Test(arguments: [
        ("Hello, World!", "hello, world!"),
        ("Café naïve", "cafe naive"),
        ("野口 a", " 野  口  a"),
        ("a\u{2B820}b", "a\u{2B820}b"),
        ("a\u{2B920}b", "a \u{2B920} b"),
        ("a\u{2E43}b", "a\u{2E43}b"),
        ("a\u{200B}b", "ab"),
        ("a\u{85}b", "ab"),
        ("a\u{A0}b", "a b"),
        ("a\u{3000}b", "a b"),
        ("a\u{2028}b", "a b"),
        ("x\r\ny", "x  y"),
        ("\u{130}", "i"),
        ("ΣΑΣ", "σασ"),
        ("$5+3=8", "$5+3=8"),
        ("€ ¿a — “a”", "€ ¿a — “a”"),
    ])
    func edgeTable(input: String, expected: String) {
        #expect(Self.normalize(input).unicodeScalars.elementsEqual(expected.unicodeScalars))
    }

    @Test func deletesOnlyUnicode8ControlsFormatsAndPrivateUse() {
        // Deleted: Cf (U+200B, U+FEFF), Cc (U+0085, VT, FF), Co (U+E000), NUL, U+FFFD.
        for c in ["\u{200B}", "\u{FEFF}", "\u{85}", "\u{0B}", "\u{0C}", "\u{E000}", "\u{0}", "\u{FFFD}"] {
            #expect(Self.normalize("a\(c)b") == "ab", "\(c.unicodeScalars.first!.value)")
        }
        // Kept: Cf assigned after 8.0 (U+08E2 in 9.0, U+0890 in 14.0) and unassigned U+0378.
        for c in ["\u{08E2}", "\u{0890}", "\u{0378}"] {
            #expect(Self.normalize("a\(c)b").unicodeScalars.count == 3)
        }
    }

    @Test func stripsOnlyUnicode8NonspacingMarks() {
        #expect(Self.normalize("a\u{301}") == "a")
        #expect(Self.normalize("a\u{08D4}").unicodeScalars.map(\.value) == [0x61, 0x8D4])  // Mn since 9.0
        #expect(Self.normalize("a\u{1734}") == "a")  // Mn in 8.0, Mc now
        #expect(Self.normalize("a\u{1885}").unicodeScalars.count == 2)  // Lo in 8.0, Mn now
        #expect(Self.normalize("a\u{111C9}").unicodeScalars.count == 2)  // Po in 8.0, Mn now
    }

    @Test func lowercaseIsFullMappingWithoutFinalSigma() {
        #expect(Self.normalize("ΣΑΣ ὈΔΥΣΣΕΎΣ") == "σασ οδυσσευσ")
        let notStripped = BertNormalizer(cleanText: true, handleChineseChars: true, stripAccents: false, lowercase: true)
        #expect(Self.normalize("\u{130}", notStripped).unicodeScalars.map(\.value) == [0x69, 0x307])
        #expect(Self.normalize("ẞ", notStripped) == "ß")
    }

    @Test func casedKeepsAccentsAndCase() {
        #expect(Self.normalize("Café\tNaïve", Self.cased) == "Café Naïve")
        let strip = BertNormalizer(cleanText: true, handleChineseChars: true, stripAccents: true, lowercase: false)
        #expect(Self.normalize("Café", strip) == "Cafe")
        #expect(Self.normalize("\u{130}", strip) == "I")
        // Hangul syllables decompose (algorithmically) and are not marks.
        #expect(Self.normalize("각", strip).unicodeScalars.map(\.value) == [0x1100, 0x1161, 0x11A8])
    }

    @Test func canonicalOrderingUsesUnicode9Classes() {
        let strip = BertNormalizer(cleanText: true, handleChineseChars: true, stripAccents: true, lowercase: false)
        // U+08D4 (ccc 230) and U+1E94A (ccc 7) are both 9.0: reordered. U+1DF9 (10.0) has class 0 for HF.
        #expect(Self.normalize("a\u{08D4}\u{1E94A}", strip).unicodeScalars.map(\.value) == [0x61, 0x1E94A, 0x8D4])
        #expect(Self.normalize("a\u{08D4}\u{1DF9}", strip).unicodeScalars.map(\.value) == [0x61, 0x8D4, 0x1DF9])
        // U+11938 (13.0) has a canonical decomposition that HF's tables do not know.
        #expect(Self.normalize("\u{11938}", strip).unicodeScalars.map(\.value) == [0x11938])
        #expect(Self.normalize("\u{1134B}", strip).unicodeScalars.map(\.value) == [0x11347, 0x1133E])
    }

    @Test func originsPointAtTheSourceCharacter() {
        let t = Self.normalizeText("İ野\u{200B}É")
        // "İ" → "i" (from 0); "野" → " 野 " (all from 1); ZWSP deleted; "É" → "e" (from 3).
        #expect(t.scalars == [0x69, 0x20, 0x91CE, 0x20, 0x65])
        #expect(t.origins == [0, 1, 1, 1, 3])
    }

    @Test func simpleNormalizersAndSequence() {
        func run(_ n: Normalizer, _ s: String) -> [UInt32] { n.normalize(s) }
        #expect(run(.lowercase, "ÀB\u{130}") == [0xE0, 0x62, 0x69, 0x307])
        #expect(run(.nfd, "é") == [0x65, 0x301])
        #expect(run(.stripAccents, "e\u{301}\u{93F}") == [0x65])  // Mn and Mc removed
        #expect(run(.sequence([.nfd, .lowercase, .stripAccents]), "ÉCOLE") == Array("ecole".unicodeScalars.map(\.value)))
    }
}
