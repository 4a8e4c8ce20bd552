import Foundation
import Testing
import TesseraIO
@testable import TesseraIndex

@Suite struct TextAnalyzerTests {
    let english = TextAnalyzer.english

    @Test func splitsLikeBM25sDefaultPattern() {
        // Apostrophes and hyphens split; one-character pieces are dropped; digits and underscores are word characters.
        #expect(english.words(in: "Don't stop-believing: COVID-19 in 2020's") == ["don", "stop", "believing", "covid", "19", "2020"])
        #expect(english.words(in: "snake_case __x__ a_b x 7 42") == ["snake_case", "__x__", "a_b", "42"])
        #expect(english.words(in: "") == [])
        #expect(english.words(in: "  ...  ") == [])
    }

    @Test func dropsStopWordsBeforeStemming() {
        #expect(english.words(in: "The cat is on the mat and it was there") == ["cat", "mat"])
        // "thing" is not a stop word; "things" stems to "thing".
        #expect(english.analyze("These things will be THERE") == ["thing"])
        #expect(StopWords.english.count == 33)
    }

    @Test func lowercasesWithFullUnicodeMapping() {
        #expect(english.words(in: "ÉCOLE Straße ẞ") == ["école", "straße"])
        // Capital sigma: final form at the end of a word (Python's Final_Sigma rule), σ elsewhere.
        #expect(english.words(in: "ΟΔΟΣ ΣΟΦΙΑ ΑΣ.Β") == ["οδος", "σοφια", "ασ"])
        // İ lowercases to i + combining dot above, which stays in the word.
        #expect(english.words(in: "İstanbul") == ["i\u{307}stanbul"])
    }

    @Test func nonLatinScriptsAndCombiningMarks() {
        #expect(english.words(in: "東京都 日本語, москва!") == ["東京都", "日本語", "москва"])
        // Devanagari vowel signs (combining marks) stay inside the word (Python's \w would cut it).
        #expect(english.words(in: "हिन्दी भाषा") == ["हिन्दी", "भाषा"])
        // A decomposed accent stays attached; a lone mark is dropped.
        #expect(english.words(in: "nai\u{308}ve \u{301}ab") == ["nai\u{308}ve", "ab"])
        // Numbers of every kind are word characters.
        #expect(english.words(in: "ⅩⅡ Ⅻ ½ ²³ 10th") == ["ⅹⅱ", "²³", "10th"])
    }

    /// Texts of the committed fixture (made with bm25s by Scripts/make_stemmer_fixture.py) give bm25s's terms.
    @Test func parityWithBM25sFixture() throws {
        let url = try #require(Bundle.module.url(forResource: "english_analyzer", withExtension: "jsonl", subdirectory: "Fixtures"))
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        #expect(lines.count >= 400)
        var mismatches: [String] = []
        for line in lines {
            let object = try JSONValue.parse(Array(line.utf8))
            let text = try #require(object["text"]?.stringValue)
            let terms = try #require(object["terms"]?.arrayValue).map { $0.stringValue ?? "" }
            let got = english.analyze(text)
            if got.count != terms.count || !zip(got, terms).allSatisfy({ $0.utf8.elementsEqual($1.utf8) }) {
                mismatches.append("\(text.debugDescription): \(got) vs \(terms)")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) texts differ:\n\(mismatches.prefix(10).joined(separator: "\n"))")
    }

    @Test func analyzeStems() {
        #expect(english.analyze("Running runners ran quickly; generously universal") == ["run", "runner", "ran", "quick", "generous", "universal"])
    }

    @Test func customAnalyzerAndDescriptorRoundTrip() throws {
        let custom = TextAnalyzer(lowercase: false, stopWords: ["Foo"], stemming: .none, minimumWordLength: 1)
        #expect(custom.analyze("Foo bar A Running") == ["bar", "A", "Running"])
        let restored = try TextAnalyzer(descriptor: custom.descriptor, source: "test")
        #expect(restored == custom)
        #expect(try TextAnalyzer(descriptor: TextAnalyzer.english.descriptor, source: "test") == .english)
    }
}
