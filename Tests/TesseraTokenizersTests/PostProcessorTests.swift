import Testing
@testable import TesseraTokenizers

/// TemplateProcessing (object and string forms), BertProcessing, and no post-processor.
@Suite struct PostProcessorTests {
    static let specials = """
        "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]}, "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]}}
        """

    static func check(_ t: Tokenizer) throws {
        let single = try t.encode("hello")
        #expect(single.tokens == ["[CLS]", "hello", "[SEP]"])
        #expect(single.typeIds == [0, 0, 0])
        #expect(single.specialTokensMask == [1, 0, 1])
        #expect(single.attentionMask == [1, 1, 1])
        let pair = try t.encode("hello world", pair: "a b")
        #expect(pair.ids == [2, 5, 6, 3, 14, 15, 3])
        #expect(pair.typeIds == [0, 0, 0, 0, 1, 1, 1])
        #expect(pair.offsets == [0..<0, 0..<5, 6..<11, 0..<0, 0..<1, 2..<3, 0..<0])
        #expect(pair.specialTokensMask == [1, 0, 0, 1, 0, 0, 1])
        let bare = try t.encode("hello world", pair: "a b", addSpecialTokens: false)
        #expect(bare.ids == [5, 6, 14, 15])
        #expect(bare.typeIds == [0, 0, 1, 1])
        #expect(t.numSpecialTokensToAdd == (single: 2, pair: 3))
    }

    @Test func templateObjectForm() throws {
        try Self.check(try TinyTokenizer.make())
    }

    @Test func templateStringForm() throws {
        let t = try TinyTokenizer.make(["post_processor": """
            {"type": "TemplateProcessing", "single": "[CLS]:0 $A:0 [SEP]:0", "pair": "[CLS] $A [SEP] $B:1 [SEP]:1", \(Self.specials)}
            """])
        try Self.check(t)
    }

    @Test func templateStringPiecesParse() throws {
        #expect(try TemplateProcessing.parsePiece("$A") == .sequence(isPair: false, typeId: 0))
        #expect(try TemplateProcessing.parsePiece("$") == .sequence(isPair: false, typeId: 0))
        #expect(try TemplateProcessing.parsePiece("$b:1") == .sequence(isPair: true, typeId: 1))
        #expect(try TemplateProcessing.parsePiece("$1") == .sequence(isPair: false, typeId: 1))
        #expect(try TemplateProcessing.parsePiece("[SEP]:1") == .special(name: "[SEP]", typeId: 1))
        #expect(throws: TokenizerError.self) { try TemplateProcessing.parsePiece("$A:x") }
        #expect(throws: TokenizerError.self) { try TemplateProcessing.parsePiece("a:1:2") }
        #expect(throws: TokenizerError.self) { try TemplateProcessing.parsePiece("$C") }
    }

    @Test func templateWithUnknownSpecialTokenIsInvalid() {
        #expect(throws: TokenizerError.self) {
            try TinyTokenizer.make(["post_processor": """
                {"type": "TemplateProcessing", "single": "[BOS] $A", "pair": "$A $B", \(Self.specials)}
                """])
        }
    }

    @Test func bertProcessing() throws {
        let t = try TinyTokenizer.make(["post_processor": """
            {"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]}
            """])
        try Self.check(t)
    }

    @Test func noPostProcessor() throws {
        let t = try TinyTokenizer.make(["post_processor": "null"])
        let e = try t.encode("hello", pair: "a")
        #expect(e.ids == [5, 14])
        #expect(e.typeIds == [0, 1])
        #expect(t.numSpecialTokensToAdd == (single: 0, pair: 0))
    }
}
