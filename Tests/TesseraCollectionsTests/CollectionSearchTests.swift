import Foundation
import Testing
import TesseraIndex
import TesseraIngest
import TesseraIO
import TesseraKernels
import TesseraSearch
import TesseraTestSupport
@testable import TesseraCollections

/// Texts of different lengths and term frequencies, so that idf and length normalisation both matter.
private let bm25Texts = [
    "the cell divides", "protein folding in the cell cell", "a protein", "folding", "cell membrane protein transport protein",
    "membrane", "transport of ions across the membrane membrane membrane", "ions and cells", "divides divides divides cell",
    "the folding of a membrane protein", "cell cell cell cell protein", "nothing relevant here at all",
]

private func bm25Documents(_ range: Range<Int>, prefix: String = "b") -> [CollectionDocument] {
    range.map { CollectionDocument(id: "\(prefix)\($0)", title: $0 % 3 == 0 ? "Cell" : nil, text: bm25Texts[$0 % bm25Texts.count]) }
}

@Suite struct CollectionSearchTests {
    /// Several segments with deletions and an upsert score BM25 exactly as one index of the live documents does
    /// (each segment used to score with its own N, avgdl and document frequencies).
    @Test func bm25ScoresEqualThoseOfOneIndexOfTheLiveDocuments() throws {
        let scratch = Scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch.root) }
        var options = CollectionOptions()
        options.mergeThreshold = 0
        let c = try scratch.create([.bm25], options: options)
        try c.add(bm25Documents(0..<12))
        try c.add(bm25Documents(12..<15))
        try c.add(bm25Documents(15..<24))
        try c.delete(ids: ["b1", "b4", "b13", "b20"])
        try c.upsert([CollectionDocument(id: "b2", text: "protein protein protein membrane")])
        #expect(c.segmentCount == 4 && c.count == 20)

        // The reference: one index of the live documents.
        let live = c.documentIDs.compactMap { c.document(id: $0) }
        let reference = TestFolder.path("tessera-bm25-reference")
        _ = try IndexBuilder.buildBM25(documents: CorpusReader(records: live.map { TextRecord(id: $0.id, title: $0.title, text: $0.text, line: 0) }),
                                       destination: reference, options: IndexBuildOptions())
        defer { try? FileManager.default.removeItem(atPath: reference) }
        let single = try BM25Searcher(path: reference, parameters: nil)
        for query in ["cell protein", "membrane transport", "folding", "divides the cell", "absent words"] {
            let expected = try single.search(query, topK: 30)
            let got = try c.search(query, mode: .bm25, k: 30)
            #expect(got.map(\.id) == expected.map { single.documentIDs[Int($0.document)] }, "\(query)")
            for (hit, want) in zip(got, expected) { #expect(abs(hit.score - want.score) <= 1e-5 * max(1, abs(want.score)), "\(query)") }
        }
    }

    /// A hybrid over a collection fuses its two modes' rankings over all segments (reciprocal rank by default, or
    /// min-max score fusion), as fusing the two collection searches by id does.
    @Test func hybridFusesTheTwoModesOverEverySegment() throws {
        let scratch = Scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch.root) }
        var options = CollectionOptions()
        options.mergeThreshold = 0
        options.search.hybrid = (.denseExact, .bm25)
        let c = try scratch.create([.dense, .bm25], options: options)
        try c.add(bm25Documents(0..<10))
        try c.add(bm25Documents(10..<18))
        try c.delete(ids: ["b3", "b12"])
        for query in ["cell protein", "membrane ions"] {
            let dense = try c.search(query, mode: .denseExact, k: 1000), bm25 = try c.search(query, mode: .bm25, k: 1000)
            var rrf: [String: Double] = [:]
            for list in [dense, bm25] { for (rank, hit) in list.enumerated() { rrf[hit.id, default: 0] += 1 / (60 + Double(rank + 1)) } }
            let hybrid = try c.search(query, mode: .hybrid, k: 5)
            #expect(hybrid.count == 5)
            for hit in hybrid { #expect(abs(Double(hit.score) - (rrf[hit.id] ?? -1)) < 1e-6, "\(query) \(hit.id)") }
            let best = rrf.values.sorted(by: >).prefix(5)
            #expect(zip(hybrid.map { Double($0.score) }, best).allSatisfy { abs($0 - $1) < 1e-6 }, "\(query)")
            var score = c.options.search.parameters
            score.fusion = .normalizedScore(weights: [1, 0])
            // All the weight on the dense part: its min-max normalised scores, the best three.
            let lo = Double(dense.map(\.score).min() ?? 0), hi = Double(dense.map(\.score).max() ?? 1)
            let normalized = Dictionary(uniqueKeysWithValues: dense.map { ($0.id, (Double($0.score) - lo) / (hi - lo)) })
            let weighted = try c.search(query, mode: .hybrid, k: 3, parameters: score)
            #expect(weighted.map { Double($0.score) }.elementsEqual(normalized.values.sorted(by: >).prefix(3)) { abs($0 - $1) < 1e-5 }, "\(query)")
            for hit in weighted { #expect(abs(Double(hit.score) - (normalized[hit.id] ?? -1)) < 1e-5, "\(query) \(hit.id)") }
        }
        let bm25Only = try Scratch().create([.bm25])
        expectError(.notFound, "needs an index this collection does not keep") { _ = try bm25Only.search("cell", mode: .hybrid, k: 3) }
    }
}
