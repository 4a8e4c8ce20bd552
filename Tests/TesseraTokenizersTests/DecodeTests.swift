import Testing
@testable import TesseraTokenizers

/// WordPiece decoder (FORMATS.md §3.8).
@Suite struct DecodeTests {
    @Test func gluesContinuationsAndSkipsSpecials() throws {
        let t = try TinyTokenizer.make()
        let ids = try t.encode("Hello, world! unaffable").ids
        #expect(t.decode(ids) == "hello, world! unaffable")
        #expect(t.decode(ids, skipSpecialTokens: false) == "[CLS] hello, world! unaffable [SEP]")
        #expect(t.decode([5, 9999, 6]) == "hello world")  // unknown ids are dropped
        #expect(t.decode([]) == "")
    }

    @Test func cleanupIsPerToken() {
        let d = Decoder.wordPiece(prefix: "##", cleanup: true)
        #expect(d.decode(["don", "'", "t"]) == "don ' t")  // cross-token " ' " never fires
        #expect(d.decode(["a", ".", "b", "?", "!", ","]) == "a. b?!,")
        #expect(d.decode(["i", "do not", "go"]) == "i don't go")
        #expect(d.decode(["x", "'s", "'ve", "'re", "'m", "n't"]) == "x's've're'mn't")
        #expect(d.decode(["##a", "##b"]) == "##ab")  // the first token keeps its prefix
        #expect(Decoder.wordPiece(prefix: "##", cleanup: false).decode(["a", "."]) == "a .")
        #expect(Decoder.none.decode(["a", "##b"]) == "a ##b")
    }

    @Test func cleanupComparesBytes() {
        // " ." followed by a combining mark still matches byte-wise (Rust str::replace).
        #expect(Decoder.cleanup(Array(" .\u{301}".utf8)) == Array(".\u{301}".utf8))
    }
}
