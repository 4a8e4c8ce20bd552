import Foundation
import TesseraKernels
import Testing
@testable import TesseraIndex

/// Four documents whose BM25 scores are worked out by hand (k1 = 1.5, b = 0.75):
///
///     d0 "The cat sat on the mat."            → cat sat mat              dl 3
///     d1 "Cats and dogs."                     → cat dog                  dl 2
///     d2 "A dog chased the cat; the cat ran." → dog chase cat cat ran    dl 5
///     d3 "Birds fly."                         → bird fli                 dl 2
///     N = 4, avgdl = 12/4 = 3, norm(dl) = 1.5·(0.25 + 0.75·dl/3): 1.5, 1.125, 2.25, 1.125
///
///     idf(cat)  = ln(1 + (4−3+0.5)/(3+0.5)) = ln(10/7) = 0.3566749
///     idf(dog)  = ln(1 + 2.5/2.5)           = ln 2     = 0.6931472
///     idf(bird) = ln(1 + 3.5/1.5)                      = 1.2039728
///     cat: d0 idf·1·2.5/(1+1.5) = 0.3566749;  d1 idf·2.5/2.125 = 0.4196176;  d2 idf·2·2.5/(2+2.25) = 0.4196176
///     dog: d1 ln2·2.5/2.125 = 0.8154673;  d2 ln2·2.5/(1+2.25) = 0.5331901
///
/// (bm25s gives the same numbers divided by k1 + 1 = 2.5.)
@Suite struct BM25ScoringTests {
    static let corpus: [(id: String, text: String)] = [
        ("d0", "The cat sat on the mat."),
        ("d1", "Cats and dogs."),
        ("d2", "A dog chased the cat; the cat ran."),
        ("d3", "Birds fly."),
    ]

    func makeIndex() throws -> BM25Index { try BM25Index(documents: Self.corpus) }

    func expectHits(_ hits: [ScoredDocument], _ expected: [(Int, Double)], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(hits.map { Int($0.document) } == expected.map(\.0), sourceLocation: sourceLocation)
        for (hit, (_, score)) in zip(hits, expected) {
            #expect(abs(Double(hit.score) - score) < 1e-5, "document \(hit.document): \(hit.score) vs \(score)", sourceLocation: sourceLocation)
        }
    }

    @Test func structure() throws {
        let index = try makeIndex()
        #expect(index.documentCount == 4)
        #expect(Array(index.vocabulary) == ["bird", "cat", "chase", "dog", "fli", "mat", "ran", "sat"])
        #expect(Array(index.documentLengths) == [3, 2, 5, 2])
        #expect(index.averageDocumentLength == 3)
        let cat = try #require(index.termID("cat"))
        #expect(index.documentFrequency(ofTerm: cat) == 3)
        let start = Int(index.postingOffsets[cat]), end = Int(index.postingOffsets[cat + 1])
        #expect(Array(index.postingDocuments[start..<end]) == [0, 1, 2])
        #expect(Array(index.postingFrequencies[start..<end]) == [1, 1, 2])
        #expect(index.postingCount == 11)
        #expect(index.documentID(2) == "d2")
    }

    @Test func singleTermWithTieBrokenByDocumentIndex() throws {
        let index = try makeIndex()
        // d1 and d2 score exactly the same: the lower document index comes first.
        expectHits(index.search("cat", topK: 10), [(1, 0.41961758), (2, 0.41961758), (0, 0.35667494)])
        expectHits(index.search("cat", topK: 2), [(1, 0.41961758), (2, 0.41961758)])
        expectHits(index.search("cat", topK: 1), [(1, 0.41961758)])
    }

    @Test func twoTermsSum() throws {
        let index = try makeIndex()
        expectHits(index.search("cats & dogs", topK: 10),
                   [(1, 0.41961758 + 0.81546727), (2, 0.41961758 + 0.53319014), (0, 0.35667494)])
    }

    @Test func repeatedQueryTermCountsTwice() throws {
        let index = try makeIndex()
        expectHits(index.search("cat cat", topK: 10), [(1, 2 * 0.41961758), (2, 2 * 0.41961758), (0, 2 * 0.35667494)])
        #expect(index.queryTerms("cat dogs cats").map(\.count) == [2, 1])
    }

    @Test func stemmedQueryAndMisses() throws {
        let index = try makeIndex()
        expectHits(index.search("birds flying", topK: 10), [(3, 2 * 1.2039728 * 2.5 / 2.125)])
        #expect(index.search("the and of", topK: 10).isEmpty)  // only stop words
        #expect(index.search("unicorn", topK: 10).isEmpty)
        #expect(index.search("cat", topK: 0).isEmpty)
        #expect(index.search("", topK: 5).isEmpty)
    }

    @Test func parametersAreConfigurable() throws {
        // b = 0: no length normalisation; k1 = 1.2: tf part = tf·2.2/(tf + 1.2).
        let index = try makeIndex().withParameters(BM25Parameters(k1: 1.2, b: 0))
        let idf = log(10.0 / 7.0)
        expectHits(index.search("cat", topK: 10), [(2, idf * 2 * 2.2 / 3.2), (0, idf * 2.2 / 2.2), (1, idf * 2.2 / 2.2)])
    }

    @Test func emptyDocumentsAndEmptyIndex() throws {
        let index = try BM25Index(documents: [("a", ""), ("b", "the of"), ("c", "zebra zebra")])
        #expect(Array(index.documentLengths) == [0, 0, 2])
        #expect(index.search("zebra").map(\.document) == [2])
        let empty = try BM25Index(documents: [(id: String, text: String)]())
        #expect(empty.documentCount == 0)
        #expect(empty.search("anything").isEmpty)
    }

    @Test func duplicateDocumentIDIsRefused() {
        let builder = BM25IndexBuilder()
        #expect(throws: Never.self) { try builder.add(id: "x", text: "one") }
        #expect { try builder.add(id: "x", text: "two") } throws: { ($0 as? IndexError)?.code == .invalidArgument }
    }

    @Test func canonicallyEquivalentSpellingsStayDistinct() throws {
        // "é" precomposed and decomposed are different terms (as in bm25s); each finds its own document.
        let index = try BM25Index(documents: [("pre", "caf\u{E9}"), ("de", "cafe\u{301}")])
        #expect(index.termCount == 2)
        #expect(index.search("caf\u{E9}").map(\.document) == [0])
        #expect(index.search("cafe\u{301}").map(\.document) == [1])
    }

    @Test func concurrentSearchesAgreeWithSequentialOnes() throws {
        var documents: [(id: String, text: String)] = []
        let words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "theta", "kappa", "lambda", "sigma"]
        var state: UInt64 = 12345
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(state >> 33)
        }
        for d in 0..<500 {
            documents.append(("doc\(d)", (0..<(5 + next() % 30)).map { _ in words[next() % words.count] }.joined(separator: " ")))
        }
        let index = try BM25Index(documents: documents)
        let queries = (0..<200).map { _ in (0..<(1 + next() % 4)).map { _ in words[next() % words.count] }.joined(separator: " ") }
        let sequential = queries.map { index.search($0, topK: 20) }
        let parallel = index.search(queries, topK: 20, threads: 4)
        #expect(parallel == sequential)
        // Results are sorted by score then document index, and never contain a document twice.
        for hits in sequential {
            for (a, b) in zip(hits, hits.dropFirst()) { #expect(a.score > b.score || (a.score == b.score && a.document < b.document)) }
            #expect(Set(hits.map(\.document)).count == hits.count)
        }
    }

    @Test func topKMatchesFullSort() throws {
        var documents: [(id: String, text: String)] = []
        for d in 0..<300 { documents.append(("d\(d)", String(repeating: "apple ", count: 1 + d % 7) + (d % 3 == 0 ? "pear" : "plum"))) }
        let index = try BM25Index(documents: documents)
        let all = index.search("apple pear", topK: 1000)
        #expect(all.count == 300)
        for k in [1, 5, 17, 100, 299] { #expect(index.search("apple pear", topK: k) == Array(all.prefix(k))) }
    }
}
