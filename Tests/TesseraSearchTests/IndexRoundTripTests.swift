import Foundation
import Testing
import TesseraIndex
import TesseraIngest
import TesseraModels
import TesseraTestSupport
@testable import TesseraSearch

/// A small BEIR corpus in a temporary folder.
enum TinyCorpus {
    static let documents: [(String, String, String)] = [
        ("d1", "Hello", "hello world"), ("d2", "", "a b a b"), ("d3", "World", "world hellos"),
        ("d4", "", "b"), ("d5", "A", "hello a world b"),
    ]

    static func write(_ docs: [(String, String, String)] = documents) -> String {
        let dir = TestFolder.make("tessera-corpus")
        let lines = docs.map { "{\"_id\": \"\($0.0)\", \"title\": \"\($0.1)\", \"text\": \"\($0.2)\"}" }
        _ = FileManager.default.createFile(atPath: dir + "/corpus.jsonl", contents: Data((lines.joined(separator: "\n") + "\n").utf8))
        return dir
    }
}

func expectError(_ fragment: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("expected an error containing \(fragment)", sourceLocation: sourceLocation)
    } catch {
        #expect(String(describing: error).contains(fragment), "\(error)", sourceLocation: sourceLocation)
    }
}

@Suite struct IndexRoundTripTests {
    @Test func denseIndexReloadsAndMatchesDirectEncoding() throws {
        let modelFolder = TinyModel.make()
        let model = try EmbeddingModel(folder: modelFolder)
        let dir = TinyCorpus.write()
        let report = try IndexBuilder.buildDense(model: model, corpus: dir + "/corpus.jsonl", destination: dir + "/dense", options: IndexBuildOptions())
        #expect(report.documents == 5 && report.vectors == 5 && report.bytes > 0)
        let searcher = try DenseSearcher(path: dir + "/dense", model: model, options: SearchOptions())
        #expect(Array(searcher.documentIDs) == ["d1", "d2", "d3", "d4", "d5"])
        let hits = try searcher.search("hello world", topK: 5)
        // Brute force with the model directly.
        let docs = try model.embed(TinyCorpus.documents.map { $0.1.isEmpty ? $0.2 : $0.1 + " " + $0.2 })
        let q = try model.embed(["hello world"])
        let expected = (0..<5).map { i in (0..<8).reduce(Float(0)) { $0 + docs[i * 8 + $1] * q[$1] } }
        for hit in hits { #expect(abs(hit.score - expected[Int(hit.document)]) < 1e-5) }
        #expect(hits.map(\.document) == (0..<5).sorted { expected[$0] > expected[$1] }.map(Int32.init))
        // Document store.
        let folder = try IndexFolder(path: dir + "/dense")
        #expect(Array(try folder.strings("titles")) == TinyCorpus.documents.map(\.1))
        #expect(Array(try folder.strings("texts")) == TinyCorpus.documents.map(\.2))
    }

    /// A segment of a collection opens each index once and derives its exact-dense and aligner searchers from the
    /// opened ones; they must answer as searchers opened on their own do.
    @Test func derivedSearchersAnswerAsSeparatelyOpenedOnes() throws {
        let model = try EmbeddingModel(folder: TinyModel.make())
        let dir = TinyCorpus.write()
        _ = try IndexBuilder.buildDense(model: model, corpus: dir + "/corpus.jsonl", destination: dir + "/dense", options: IndexBuildOptions())
        _ = try IndexBuilder.buildWARP(model: model, corpus: dir + "/corpus.jsonl", destination: dir + "/warp", options: IndexBuildOptions())
        let graph = try DenseSearcher(path: dir + "/dense", model: model, options: SearchOptions())
        #expect(graph.usesGraph && !graph.exactSearcher.usesGraph)
        let exact = try DenseSearcher(path: dir + "/dense", model: model, options: SearchOptions(), exact: true)
        let xtr = try WARPSearcher(path: dir + "/warp", model: model, mode: .xtr, parameters: WARPSearchParameters())
        let aligner = try WARPSearcher(path: dir + "/warp", model: model, mode: .aligner, parameters: WARPSearchParameters())
        let derived = try xtr.searching(in: .aligner)
        #expect(derived.mode == .aligner && derived.index === xtr.index)
        for query in ["hello world", "a b", "world hellos b"] {
            #expect(try graph.exactSearcher.search(query, topK: 5) == exact.search(query, topK: 5))
            #expect(try derived.search(query, topK: 5) == aligner.search(query, topK: 5))
        }
        expectError("does not read a compressed token index") { _ = try xtr.searching(in: .colbert) }
    }

    /// One encoder pass for a dense and a WARP index writes the same arrays, byte for byte, as the two builds alone.
    @Test func denseAndWARPFromOnePassEqualTheSeparateBuilds() throws {
        let model = try EmbeddingModel(folder: TinyModel.make())
        let dir = TinyCorpus.write()
        var options = IndexBuildOptions()
        options.threads = 2
        options.batchSize = 2
        _ = try IndexBuilder.buildDense(model: model, corpus: dir + "/corpus.jsonl", destination: dir + "/dense", options: options)
        _ = try IndexBuilder.buildWARP(model: model, corpus: dir + "/corpus.jsonl", destination: dir + "/warp", options: options)
        let (dense, warp) = try IndexBuilder.buildDenseAndWARP(model: model, documents: try CorpusReader(path: dir + "/corpus.jsonl"),
                                                               dense: dir + "/dense2", warp: dir + "/warp2", options: options)
        #expect(dense.documents == 5 && warp.documents == 5 && warp.vectors > 5)
        for (a, b) in [("dense", "dense2"), ("warp", "warp2")] {
            let one = try IndexFolder(path: dir + "/" + a).manifest, two = try IndexFolder(path: dir + "/" + b).manifest
            #expect(one.arrays.map(\.name) == two.arrays.map(\.name) && !one.arrays.isEmpty, "\(a)")
            #expect(one.arrays.map(\.sha256) == two.arrays.map(\.sha256), "\(a)")
            #expect(one.kind == two.kind && one.counts == two.counts, "\(a)")
        }
    }

    @Test func tokenIndexServesAllMultiVectorModes() throws {
        let model = try EmbeddingModel(folder: TinyModel.make())
        let dir = TinyCorpus.write()
        let report = try IndexBuilder.buildTokens(model: model, corpus: dir + "/corpus.jsonl", destination: dir + "/tokens", options: IndexBuildOptions())
        // [CLS] + words + [SEP] per document: hello world | a b a b | world world hellos(hello ##s) | b | a hello a world b
        #expect(report.vectors == 4 + 6 + 6 + 3 + 8)
        var options = SearchOptions()
        options.parameters.kPrime = 1000
        let colbert = try TokenSearcher(path: dir + "/tokens", model: model, mode: .colbert, options: options)
        let xtr = try TokenSearcher(path: dir + "/tokens", model: model, mode: .xtr, options: options)
        let aligner = try TokenSearcher(path: dir + "/tokens", model: model, mode: .aligner, options: options)
        let c = try colbert.search("hello b", topK: 5)
        // k' larger than the corpus: XTR retrieves every token and equals ColBERT.
        let x = try xtr.search("hello b", topK: 5)
        #expect(Set(x.map(\.document)) == Set(c.map(\.document)))
        for hit in x {
            let same = c.first { $0.document == hit.document }
            #expect(abs((same?.score ?? 0) - hit.score) < 1e-5, "\(x) vs \(c)")
        }
        #expect(c.count == 5)
        #expect(try aligner.search("hello b", topK: 5).count == 5)
        // Skipping special tokens drops 2 vectors per document.
        var skip = IndexBuildOptions()
        skip.skipSpecial = true
        let skipped = try IndexBuilder.buildTokens(model: model, corpus: dir + "/corpus.jsonl", destination: dir + "/tokens2", options: skip)
        #expect(skipped.vectors == report.vectors - 10)
    }

    @Test func indexFromAnotherModelIsRefused() throws {
        let dir = TinyCorpus.write()
        let builder = try EmbeddingModel(folder: TinyModel.make())
        let other = try EmbeddingModel(folder: TinyModel.make(seed: 7))  // same shape, other weights
        _ = try IndexBuilder.buildDense(model: builder, corpus: dir + "/corpus.jsonl", destination: dir + "/dense", options: IndexBuildOptions())
        _ = try IndexBuilder.buildTokens(model: builder, corpus: dir + "/corpus.jsonl", destination: dir + "/tokens", options: IndexBuildOptions())
        expectError("index was built with model") { _ = try DenseSearcher(path: dir + "/dense", model: other, options: SearchOptions()) }
        expectError("index was built with model") { _ = try TokenSearcher(path: dir + "/tokens", model: other, mode: .xtr, options: SearchOptions()) }
        expectError("expected a dense index") { _ = try DenseSearcher(path: dir + "/tokens", model: builder, options: SearchOptions()) }
    }

    @Test func badCorporaAreRefusedAndNothingIsOverwritten() throws {
        let model = try EmbeddingModel(folder: TinyModel.make())
        let good = TinyCorpus.write()
        _ = try IndexBuilder.buildDense(model: model, corpus: good + "/corpus.jsonl", destination: good + "/dense", options: IndexBuildOptions())
        let before = try IndexFolder(path: good + "/dense").manifest
        let dup = TinyCorpus.write([("x", "", "a"), ("x", "", "b")])
        expectError("duplicate document id \"x\"") {
            _ = try IndexBuilder.buildDense(model: model, corpus: dup + "/corpus.jsonl", destination: good + "/dense", options: IndexBuildOptions())
        }
        let empty = TinyCorpus.write([("", "", "a")])
        expectError("without an \"_id\"") {
            _ = try IndexBuilder.buildBM25(corpus: empty + "/corpus.jsonl", destination: good + "/bm25", options: IndexBuildOptions())
        }
        let none = TinyCorpus.write([])
        expectError("the corpus is empty") {
            _ = try IndexBuilder.buildTokens(model: model, corpus: none + "/corpus.jsonl", destination: good + "/dense", options: IndexBuildOptions())
        }
        #expect(try IndexFolder(path: good + "/dense").manifest == before, "the earlier index is untouched")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: good).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty, "no temporary folders left: \(leftovers)")
    }

    @Test func hybridNeedsTheSameDocuments() throws {
        let model = try EmbeddingModel(folder: TinyModel.make())
        let a = TinyCorpus.write()
        let b = TinyCorpus.write(Array(TinyCorpus.documents.prefix(3)))
        _ = try IndexBuilder.buildBM25(corpus: a + "/corpus.jsonl", destination: a + "/bm25", options: IndexBuildOptions())
        _ = try IndexBuilder.buildDense(model: model, corpus: a + "/corpus.jsonl", destination: a + "/dense", options: IndexBuildOptions())
        _ = try IndexBuilder.buildBM25(corpus: b + "/corpus.jsonl", destination: b + "/bm25", options: IndexBuildOptions())
        let dense = try DenseSearcher(path: a + "/dense", model: model, options: SearchOptions())
        let hybrid = try HybridSearcher(dense, try BM25Searcher(path: a + "/bm25", parameters: nil), fusion: .reciprocalRank(k: 60))
        let hits = try hybrid.search("hello world", topK: 3)
        #expect(hits.count == 3)
        expectError("hybrid parts index different documents") {
            _ = try HybridSearcher(dense, try BM25Searcher(path: b + "/bm25", parameters: nil), fusion: .reciprocalRank(k: 60))
        }
    }
}
