import Foundation
import Testing
import TesseraIndex
import TesseraIO
import TesseraKernels
@testable import TesseraSearch

@Suite struct WARPSegmentsTests {
    /// Writes a WARP index of documents `range` of the fixture at `path`, encoded with `codebook` (trained if nil).
    func build(_ f: WARPFixture, _ range: Range<Int>, at path: String, codebook: WARPCodebook?) throws -> WARPEngine {
        var p = WARPBuildParameters()
        p.centroids = 16
        p.iterations = 3
        p.codebook = codebook
        let builder = try WARPIndexBuilder(destination: path, dimension: f.d, parameters: p)
        for doc in range {
            try f.vectors.withUnsafeBufferPointer { b in
                try builder.add(documentID: "d\(doc)", vectors: UnsafeBufferPointer(rebasing: b[(f.offsets[doc] * f.d)..<(f.offsets[doc + 1] * f.d)]),
                                tokenIds: Array(f.ids[f.offsets[doc]..<f.offsets[doc + 1]]))
            }
        }
        _ = try builder.finish(model: .null, parameters: JSONObject(), titles: nil, texts: nil)
        return WARPEngine(index: try WARPIndex(path: path))
    }

    /// Three indexes of consecutive documents, encoded with the codebook of one index of them all, searched as one
    /// give that index's scores (the same codes, probes and m_i from the summed cluster sizes); excluded documents
    /// are left out; one engine alone gives its own search.
    @Test func segmentsSharingACodebookSearchAsOneIndex() throws {
        let f = try WARPFixture(documents: 60, centroids: 16)
        defer { f.remove() }
        let whole = try build(f, 0..<60, at: f.root + "/whole", codebook: nil)
        let codebook = try whole.index.codebook
        let parts = [0..<25, 25..<26, 26..<60]
        let engines = try parts.enumerated().map { try build(f, $1, at: f.root + "/part\($0)", codebook: codebook) }
        #expect(engines.allSatisfy { whole.sharesCodebook(with: $0) && engines[0].sharesCodebook(with: $0) })
        let other = try build(f, 0..<30, at: f.root + "/other", codebook: nil)
        var p = WARPSearchParameters()
        p.nProbe = 4
        p.tPrime = 40
        for seed in 1...6 as ClosedRange<UInt64> {
            let q = f.query(seed: seed)
            for threads in [1, 2] {
                p.threads = threads
                let expected = whole.searchXTR(q, topK: 20, parameters: p)
                let got = WARPEngine.searchXTR(q, engines: engines, topK: 20, parameters: p)
                let global = got.map { ScoredDocument(document: Int32(parts[$0.index].lowerBound) + $0.hit.document, score: $0.hit.score) }
                #expect(global.count == expected.count)
                for (a, b) in zip(global, expected) {
                    #expect(abs(a.score - b.score) < 1e-5, "seed \(seed): \(a) vs \(b)")
                }
                #expect(Set(global.map(\.document)) == Set(expected.map(\.document)) || zip(global, expected).allSatisfy { abs($0.score - $1.score) < 1e-5 })
                // Documents left out, as a collection's deleted rows.
                let excluded = WARPEngine.searchXTR(q, engines: engines, excluding: [[0, 3], [], [1]], topK: 20, parameters: p)
                #expect(!excluded.contains { ($0.index == 0 && [0, 3].contains($0.hit.document)) || ($0.index == 2 && $0.hit.document == 1) })
                // One engine: its own search, bit for bit; and the same on every run, whatever thread takes a token.
                #expect(WARPEngine.searchXTR(q, engines: [whole], topK: 20, parameters: p).map(\.hit) == expected)
                for _ in 0..<5 {
                    #expect(whole.searchXTR(q, topK: 20, parameters: p) == expected)
                    #expect(WARPEngine.searchXTR(q, engines: engines, topK: 20, parameters: p).map(\.hit) == got.map(\.hit))
                }
            }
        }
        #expect(!whole.sharesCodebook(with: other))
    }

    /// A compressed index whose manifest is in format version 1 (kind `tokens-warp`, no layout) opens and searches as
    /// the format-2 folder does.
    @Test func versionOneIndexesStillSearch() throws {
        let f = try WARPFixture(documents: 30, centroids: 16)
        defer { f.remove() }
        let engine = try build(f, 0..<30, at: f.root + "/v2", codebook: nil)
        var p = WARPSearchParameters()
        p.nProbe = 4
        let queries = (1...3 as ClosedRange<UInt64>).map { f.query(seed: $0) }
        let expected = queries.map { engine.searchXTR($0, topK: 10, parameters: p) }
        let path = f.root + "/v2/manifest.json"
        var object = try #require(try JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: path)))).objectValue)
        #expect(object["kind"]?.stringValue == "tokens" && object["layout"]?.stringValue == "warp")
        object.entries.removeAll { $0.key == "layout" }
        for i in object.entries.indices {
            if object.entries[i].key == "format_version" { object.entries[i].value = .number(1) }
            if object.entries[i].key == "kind" { object.entries[i].value = .string("tokens-warp") }
        }
        try Data(JSONWriter.encode(.object(object))).write(to: URL(fileURLWithPath: path))
        let old = WARPEngine(index: try WARPIndex(path: f.root + "/v2"))
        #expect(old.index.folder.manifest.formatVersion == 1)
        #expect(queries.map { old.searchXTR($0, topK: 10, parameters: p) } == expected)
    }
}
