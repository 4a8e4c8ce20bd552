import Foundation
import Testing
@testable import TesseraTokenizers

/// The real all-MiniLM-L6-v2 tokenizer (FORMATS.md "Real ids"). Fails if the model is not fetched.
@Suite struct RealTokenizerTests {
    @Test(arguments: [
        ("Hello, World!", [101, 7592, 1010, 2088, 999, 102] as [Int32]),
        ("Café naïve résumé", [101, 7668, 15743, 13746, 102]),
        ("unaffable", [101, 14477, 20961, 3468, 102]),
        ("野口里佳 Noguchi Rika", [101, 1963, 1788, 1962, 100, 2053, 16918, 15544, 2912, 102]),
        ("[CLS] hello [SEP]", [101, 101, 7592, 102, 102]),
        ("", [101, 102]),
    ])
    func realIds(text: String, ids: [Int32]) throws {
        let t = try TestModel.miniLM()
        #expect(try t.encode(text).ids == ids)
    }

    @Test func vocabularyAndLookups() throws {
        let t = try TestModel.miniLM()
        #expect(t.vocabularySize == 30522)
        #expect(t.tokenId(for: "[CLS]") == 101)
        #expect(t.tokenId(for: "hello") == 7592)
        #expect(t.tokenId(for: "##ffa") == 20961)
        #expect(t.tokenId(for: "no such token") == nil)
        #expect(t.token(for: 102) == "[SEP]")
        #expect(t.token(for: 14477) == "una")
        #expect(t.token(for: 40000) == nil)
        #expect(t.numSpecialTokensToAdd == (single: 2, pair: 3))
        #expect(t.decode([101, 7592, 1010, 2088, 999, 102]) == "hello, world!")
    }

    @Test func fileDefaultsArePaddingAndTruncationAt128() throws {
        let t = try TestModel.miniLM()
        #expect(t.defaultTruncation == Truncation(maxLength: 128, strategy: .longestFirst, stride: 0))
        let padding = try #require(t.defaultPadding)
        #expect(padding.length == .fixed(128))
        var batch = [try t.encode("Hello, World!")]
        t.pad(&batch, padding: padding)
        #expect(batch[0].count == 128)
        #expect(batch[0].attentionMask.reduce(0) { $0 + Int($1) } == 6)
    }

    @Test func concurrentEncodingIsConsistent() async throws {
        let t = try TestModel.miniLM()
        let texts = (0..<64).map { "Sentence number \($0): naïve café, 東京 and résumé #\($0 * 7)!" }
        let expected = try texts.map { try t.encode($0).ids }
        let results = try await withThrowingTaskGroup(of: (Int, [Int32]).self) { group in
            for (i, text) in texts.enumerated() {
                group.addTask { (i, try t.encode(text).ids) }
            }
            var out = [[Int32]](repeating: [], count: texts.count)
            for try await (i, ids) in group { out[i] = ids }
            return out
        }
        #expect(results == expected)
    }
}
