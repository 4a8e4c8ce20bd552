import Foundation
import Testing
import TesseraIO
@testable import TesseraTokenizers

/// Parity with HF `tokenizers` on the generated fixture `Fixtures/minilm_tokenizer_cases.jsonl`.
@Suite struct ParityFixtureTests {
    struct Case {
        var line: Int
        var text: String
        var pair: String?
        var maxLength: Int?
        var ids: [Int32]
        var typeIds: [Int32]
        var offsets: [Range<Int>]
    }

    static func loadCases() throws -> [Case] {
        let url = try #require(Bundle.module.url(forResource: "minilm_tokenizer_cases", withExtension: "jsonl",
                                                 subdirectory: "Fixtures"),
                               "fixture Fixtures/minilm_tokenizer_cases.jsonl is missing")
        let data = try Data(contentsOf: url)
        var cases: [Case] = []
        var lineNumber = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            lineNumber += 1
            let v = try JSONValue.parse(Array(line))
            let ints: (String) throws -> [Int32] = { key in
                try #require(v[key]?.arrayValue).map { Int32(try #require($0.intValue)) }
            }
            let offsets = try #require(v["offsets"]?.arrayValue).map { pair -> Range<Int> in
                let p = try #require(pair.arrayValue)
                return try #require(p[0].intValue) ..< (try #require(p[1].intValue))
            }
            cases.append(Case(line: lineNumber, text: try #require(v["text"]?.stringValue), pair: v["pair"]?.stringValue,
                              maxLength: v["max_length"]?.intValue, ids: try ints("ids"), typeIds: try ints("type_ids"),
                              offsets: offsets))
        }
        return cases
    }

    @Test func idsTypeIdsAndOffsetsMatchHF() throws {
        let tokenizer = try TestModel.miniLM()
        let cases = try Self.loadCases()
        #expect(!cases.isEmpty)
        var idsEqual = 0, typeIdsEqual = 0, offsetsEqual = 0
        for c in cases {
            let truncation = c.maxLength.map { Truncation(maxLength: $0, strategy: .longestFirst, stride: 0) }
            let e = try tokenizer.encode(c.text, pair: c.pair, truncation: truncation)
            if e.ids == c.ids { idsEqual += 1 }
            if e.typeIds == c.typeIds { typeIdsEqual += 1 }
            if e.offsets == c.offsets { offsetsEqual += 1 }
            #expect(e.ids == c.ids, "line \(c.line): ids differ for \(String(reflecting: c.text)) / \(String(reflecting: c.pair))")
            #expect(e.typeIds == c.typeIds, "line \(c.line): type ids differ")
            if e.offsets != c.offsets {
                print("offsets differ on line \(c.line): \(String(reflecting: c.text)) ours \(e.offsets) HF \(c.offsets)")
            }
        }
        print("parity: ids equal on \(idsEqual) of \(cases.count), type_ids equal on \(typeIdsEqual) of \(cases.count), "
              + "offsets equal on \(offsetsEqual) of \(cases.count)")
        #expect(offsetsEqual == cases.count)
    }
}
