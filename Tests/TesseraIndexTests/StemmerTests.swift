import Foundation
import Testing
@testable import TesseraIndex

@Suite struct EnglishStemmerTests {
    /// Every word of the committed fixture (made with PyStemmer by Scripts/make_stemmer_fixture.py) stems identically.
    @Test func parityWithPyStemmerFixture() throws {
        let url = try #require(Bundle.module.url(forResource: "english_stemmer", withExtension: "tsv", subdirectory: "Fixtures"))
        let text = try String(contentsOf: url, encoding: .utf8)
        let stemmer = EnglishStemmer()
        var total = 0
        var mismatches: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) where !line.hasPrefix("#") {
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
            try #require(parts.count == 2, "bad fixture line \(line)")
            let word = String(parts[0]), expected = String(parts[1])
            total += 1
            let got = stemmer.stem(word)
            if !got.utf8.elementsEqual(expected.utf8) { mismatches.append("\(word) → \(got), expected \(expected)") }
        }
        #expect(total >= 5000)
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(total) differ, e.g.:\n\(mismatches.prefix(40).joined(separator: "\n"))")
    }

    @Test func documentedExamples() {
        let s = EnglishStemmer()
        let cases: [(String, String)] = [
            ("consign", "consign"), ("consigned", "consign"), ("consigning", "consign"), ("consignment", "consign"),
            ("knightly", "knight"), ("generously", "generous"), ("skies", "sky"), ("dying", "die"), ("news", "news"),
            ("communism", "communism"), ("arsenal", "arsenal"), ("caresses", "caress"), ("ponies", "poni"),
            ("ties", "tie"), ("hopping", "hop"), ("hoping", "hope"), ("luxuriating", "luxuri"), ("a", "a"),
            ("by", "by"), ("cry", "cri"), ("say", "say"), ("succeeded", "succeed"), ("inning", "inning"),
            ("geologist", "geolog"), ("universal", "universal"),
        ]
        for (word, stem) in cases { #expect(s.stem(word) == stem, "\(word)") }
    }
}
