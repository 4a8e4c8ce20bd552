import Testing
@testable import TesseraTokenizers

/// WordPiece model tests on the tiny hand-written vocabulary.
@Suite struct WordPieceTests {
    static let tiny = Result { try TinyTokenizer.make() }

    func tokens(_ s: String, _ t: Tokenizer? = nil) throws -> [String] {
        let tokenizer = try t ?? Self.tiny.get()
        return try tokenizer.encode(s, addSpecialTokens: false).tokens
    }

    @Test func greedyLongestMatchFirst() throws {
        #expect(try tokens("unaffable") == ["una", "##ffa", "##ble"])
        #expect(try tokens("xxx") == ["x", "##x", "##x"])
        let e = try Self.tiny.get().encode("unaffable")
        #expect(e.ids == [2, 18, 19, 20, 3])
        #expect(e.offsets == [0..<0, 0..<3, 3..<6, 6..<9, 0..<0])
    }

    @Test func wholeWordBecomesUnknown() throws {
        // "abz": "ab" matches but "##z" does not, so the whole word is [UNK], spanning the word.
        let e = try Self.tiny.get().encode("a abz b", addSpecialTokens: false)
        #expect(e.tokens == ["a", "[UNK]", "b"])
        #expect(e.offsets == [0..<1, 2..<5, 6..<7])
    }

    @Test func maxInputCharsCountsScalars() throws {
        #expect(try tokens(String(repeating: "x", count: 100)) == ["x"] + Array(repeating: "##x", count: 99))
        #expect(try tokens(String(repeating: "x", count: 101)) == ["[UNK]"])
        let cased = try TinyTokenizer.make(["normalizer": """
            {"type": "BertNormalizer", "lowercase": false, "strip_accents": false}
            """])
        let fifty = String(repeating: "e\u{301}", count: 50)  // 100 scalars
        #expect(try tokens(fifty, cased) == ["e"] + Array(repeating: ["##\u{301}", "##e"], count: 50).flatMap { $0 }.dropLast())
        #expect(try tokens(String(repeating: "e\u{301}", count: 60), cased) == ["[UNK]"])  // 120 scalars
    }

    @Test func vocabularyIsKeyedByBytes() throws {
        // "##é" (U+00E9) is in the vocabulary, "##e\u{301}" is not: canonically equivalent but different bytes.
        let cased = try TinyTokenizer.make(["normalizer": """
            {"type": "BertNormalizer", "lowercase": false, "strip_accents": false}
            """])
        #expect(try tokens("e\u{E9}", cased) == ["e", "##\u{E9}"])
        #expect(try tokens("c\u{E9}", cased) == ["c", "##\u{E9}"])
        #expect(try tokens("ce\u{301}", cased) == ["c", "##e", "##\u{301}"])
        let t = try Self.tiny.get()
        #expect(t.tokenId(for: "##\u{E9}") == 62)
        #expect(t.tokenId(for: "##e\u{301}") == nil)
    }

    @Test func duplicateVocabularyKeysLastWins() throws {
        let model = """
            {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"[UNK]": 0, "a": 1, "##b": 2, "a": 7}}
            """
        let t = try TinyTokenizer.make(["post_processor": "null", "added_tokens": "[]"], model: model)
        #expect(try t.encode("ab").ids == [7, 2])
        #expect(t.vocabularySize == 3)
    }

    @Test func missingUnknownTokenFailsOnlyWhenNeeded() throws {
        let model = """
            {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"a": 0, "##b": 1}}
            """
        let t = try TinyTokenizer.make(["post_processor": "null", "added_tokens": "[]"], model: model)
        #expect(try t.encode("ab").ids == [0, 1])
        #expect(throws: TokenizerError.self) { try t.encode("zz") }
    }

    @Test func emptyInputGivesOnlySpecialTokens() throws {
        let e = try Self.tiny.get().encode("")
        #expect(e.tokens == ["[CLS]", "[SEP]"])
        #expect(try Self.tiny.get().encode(" \u{200B}\t").tokens == ["[CLS]", "[SEP]"])
    }
}
