import Testing
@testable import TesseraTokenizers

/// Truncation (FORMATS.md §3.5) and padding (§3.7).
@Suite struct TruncationPaddingTests {
    static let tiny = Result { try TinyTokenizer.make() }

    /// Counts of "a" and "b" tokens after encoding n1 "a"s paired with n2 "b"s at `maxLength`.
    func kept(_ n1: Int, _ n2: Int, _ maxLength: Int, _ strategy: TruncationStrategy = .longestFirst) throws -> (Int, Int) {
        let t = try Self.tiny.get()
        let e = try t.encode(Array(repeating: "a", count: n1).joined(separator: " "),
                             pair: Array(repeating: "b", count: n2).joined(separator: " "),
                             truncation: Truncation(maxLength: maxLength, strategy: strategy))
        #expect(e.count <= max(maxLength, 3 + n1 + n2))
        return (e.ids.filter { $0 == 14 }.count, e.ids.filter { $0 == 15 }.count)
    }

    @Test func longestFirstPairs() throws {
        // Budget L = maxLength − 3. n1 = shorter: if n1 ≤ L/2 the longer gets L − n1, else ⌊L/2⌋ / ⌊L/2⌋ + L%2.
        #expect(try kept(2, 10, 11) == (2, 6))
        #expect(try kept(10, 2, 11) == (6, 2))
        #expect(try kept(6, 7, 10) == (3, 4))   // L = 7: shorter 3, longer 4
        #expect(try kept(7, 6, 10) == (4, 3))
        #expect(try kept(5, 5, 9) == (3, 3))
        #expect(try kept(3, 3, 20) == (3, 3))   // fits
        #expect(try kept(4, 4, 3) == (0, 0))    // budget 0
        var all: [Bool] = []
        for n1 in 0..<7 {
            for n2 in 0..<7 {
                for maxLength in 3..<14 {
                    let budget = maxLength - 3
                    var expected = (n1, n2)
                    if n1 + n2 > budget {
                        let shorter = min(n1, n2)
                        let (s, l) = shorter <= budget / 2 ? (shorter, budget - shorter) : (budget / 2, budget / 2 + budget % 2)
                        expected = n1 <= n2 ? (s, l) : (l, s)
                    }
                    all.append(try kept(n1, n2, maxLength) == expected)
                }
            }
        }
        #expect(all.allSatisfy { $0 })
    }

    @Test func singleSequenceKeepsTheFirstTokens() throws {
        let t = try Self.tiny.get()
        let e = try t.encode("unaffable hello", truncation: Truncation(maxLength: 4))
        #expect(e.tokens == ["[CLS]", "una", "##ffa", "[SEP]"])  // cut inside a word
        let bare = try t.encode("unaffable hello", addSpecialTokens: false, truncation: Truncation(maxLength: 2))
        #expect(bare.tokens == ["una", "##ffa"])
        #expect(try t.encode("a b", truncation: Truncation(maxLength: 2)).tokens == ["[CLS]", "[SEP]"])
    }

    @Test func onlyFirstAndOnlySecond() throws {
        #expect(try kept(4, 1, 5, .onlyFirst) == (1, 1))
        #expect(try kept(1, 4, 5, .onlySecond) == (1, 1))
        #expect(throws: TokenizerError.self) { try kept(1, 4, 5, .onlyFirst) }
        #expect(throws: TokenizerError.self) { try kept(2, 2, 5, .onlyFirst) }  // needs to remove 2 of 2: HF refuses
        #expect(throws: TokenizerError.self) { try kept(4, 1, 5, .onlySecond) }
        let t = try Self.tiny.get()
        #expect(try t.encode("a a a a a", truncation: Truncation(maxLength: 5, strategy: .onlyFirst)).count == 5)
        #expect(throws: TokenizerError.self) {
            try t.encode("a a a a a", truncation: Truncation(maxLength: 5, strategy: .onlySecond))
        }
    }

    @Test func invalidTruncationArguments() throws {
        let t = try Self.tiny.get()
        #expect(throws: TokenizerError.self) { try t.encode("a", truncation: Truncation(maxLength: 1)) }
        #expect(throws: TokenizerError.self) { try t.encode("a", truncation: Truncation(maxLength: 5, stride: 3)) }
        #expect(try t.encode("a b c d", truncation: Truncation(maxLength: 5, stride: 2)).count == 5)
    }

    @Test func paddingBatchLongestAndFixed() throws {
        let t = try Self.tiny.get()
        var batch = try t.encodeBatch(["hello", "hello world a b"])
        t.pad(&batch, padding: Padding(length: .batchLongest))
        #expect(batch.map(\.count) == [6, 6])
        #expect(batch[0].ids == [2, 5, 3, 0, 0, 0])
        #expect(batch[0].attentionMask == [1, 1, 1, 0, 0, 0])
        #expect(batch[0].specialTokensMask == [1, 0, 1, 1, 1, 1])
        #expect(batch[0].typeIds == [0, 0, 0, 0, 0, 0])
        #expect(batch[0].tokens.suffix(3) == ["[PAD]", "[PAD]", "[PAD]"])
        #expect(batch[0].offsets.suffix(3) == [0..<0, 0..<0, 0..<0])
        #expect(batch[1].attentionMask == [1, 1, 1, 1, 1, 1])

        var fixed = try t.encodeBatch(["hello", "hello world a b"])
        t.pad(&fixed, padding: Padding(length: .fixed(4), padId: 9, padTypeId: 1, padToken: "<p>"))
        #expect(fixed[0].ids == [2, 5, 3, 9])
        #expect(fixed[0].typeIds == [0, 0, 0, 1])
        #expect(fixed[1].count == 6)  // longer than the fixed length: unchanged

        var multiple = try t.encodeBatch(["hello", "hello world"])
        t.pad(&multiple, padding: Padding(length: .batchLongest, padToMultipleOf: 8))
        #expect(multiple.map(\.count) == [8, 8])
        var empty: [Encoding] = []
        t.pad(&empty, padding: Padding())
        #expect(empty.isEmpty)
    }
}
