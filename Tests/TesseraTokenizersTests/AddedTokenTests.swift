import Testing
@testable import TesseraTokenizers

/// Added-token splitting on raw and normalized text.
@Suite struct AddedTokenTests {
    static let tiny = Result { try TinyTokenizer.make() }

    @Test func specialTokensMatchOnRawText() throws {
        let t = try Self.tiny.get()
        let e = try t.encode("[CLS] hello [SEP]")
        #expect(e.ids == [2, 2, 5, 3, 3])
        #expect(e.offsets == [0..<0, 0..<5, 6..<11, 12..<17, 0..<0])
        // Only the post-processor's tokens are marked special.
        #expect(e.specialTokensMask == [1, 0, 0, 0, 1])
        #expect(try t.encode("[cls]", addSpecialTokens: false).tokens == ["[", "cl", "##s", "]"])
        let m = try t.encode("a[MASK]b", addSpecialTokens: false)
        #expect(m.tokens == ["a", "[MASK]", "b"])
        #expect(m.offsets == [0..<1, 1..<7, 7..<8])
    }

    static func withAdded(_ tokens: String) throws -> Tokenizer {
        let specials = """
            {"id": 0, "content": "[PAD]", "special": true, "normalized": false},
            {"id": 1, "content": "[UNK]", "special": true, "normalized": false},
            {"id": 2, "content": "[CLS]", "special": true, "normalized": false},
            {"id": 3, "content": "[SEP]", "special": true, "normalized": false},
            {"id": 4, "content": "[MASK]", "special": true, "normalized": false}
            """
        return try TinyTokenizer.make(["added_tokens": "[\(specials), \(tokens)]"])
    }

    @Test func lstripAndRstripAbsorbWhitespace() throws {
        let t = try Self.withAdded("""
            {"id": 99, "content": "<m>", "lstrip": true, "rstrip": true, "normalized": false, "special": true}
            """)
        let e = try t.encode("a  <m>  b <m>", addSpecialTokens: false)
        #expect(e.tokens == ["a", "  <m>  ", "b", " <m>"])
        #expect(e.offsets == [0..<1, 1..<8, 8..<9, 9..<13])
        // Not in the model vocabulary: the id comes after it (the file's id is not used).
        #expect(e.ids[1] == Int32(TinyTokenizer.vocabulary.count))
        #expect(t.tokenId(for: "<m>") == Int32(TinyTokenizer.vocabulary.count))
        #expect(t.vocabularySize == TinyTokenizer.vocabulary.count + 1)
        #expect(t.decode(e.ids) == "a b")
        #expect(t.decode(e.ids, skipSpecialTokens: false) == "a <m> b <m>")
    }

    @Test func singleWordAndNormalizedTokens() throws {
        let t = try Self.withAdded("""
            {"id": 90, "content": "Foo", "single_word": true, "normalized": true},
            {"id": 91, "content": "bar baz", "normalized": false}
            """)
        let fooId = Int32(TinyTokenizer.vocabulary.count)  // "Foo" is not in the vocabulary ("foo" is)
        let e = try t.encode("foo Foo xFoo FOO, bar baz", addSpecialTokens: false)
        #expect(e.tokens == ["foo", "foo", "x", "##fo", "##o", "foo", ",", "bar baz"])
        #expect(e.ids == [fooId, fooId, 16, 59, 58, fooId, 7, fooId + 1])
        #expect(e.offsets == [0..<3, 4..<7, 8..<9, 9..<11, 11..<12, 13..<16, 16..<17, 18..<25])
        #expect(t.tokenId(for: "Foo") == fooId)
        #expect(t.tokenId(for: "foo") == 55)
        #expect(t.token(for: fooId) == "Foo")
    }

    @Test func addedTokenAlreadyInVocabularyKeepsItsId() throws {
        let t = try Self.withAdded(#"{"id": 500, "content": "hello", "normalized": false}"#)
        #expect(t.tokenId(for: "hello") == 5)
        #expect(try t.encode("hellohello", addSpecialTokens: false).ids == [5, 5])
        #expect(t.vocabularySize == TinyTokenizer.vocabulary.count)
    }

    @Test func laterEntryWithSameContentUpdatesTheFlags() throws {
        // As HF: a second "[MASK]" entry with lstrip replaces the first's flags (same id).
        let t = try Self.withAdded("""
            {"id": 4, "content": "[MASK]", "lstrip": true, "normalized": false, "special": true},
            {"id": 7, "content": "hello", "normalized": false},
            {"id": 7, "content": "hello", "normalized": false}
            """)
        let e = try t.encode("a [MASK] hellohello", addSpecialTokens: false)
        #expect(e.tokens == ["a", " [MASK]", "hello", "hello"])
        #expect(e.ids == [14, 4, 5, 5])
        #expect(e.offsets == [0..<1, 1..<8, 9..<14, 14..<19])
        #expect(t.vocabularySize == TinyTokenizer.vocabulary.count)
    }
}
