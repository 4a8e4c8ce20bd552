import Foundation
import Testing
import TesseraIndex
import TesseraIngest
import TesseraModels
import TesseraTestSupport
@testable import TesseraSearch

/// Per-call search parameters, typed index formats, and opening searchers through the library.
@Suite struct SearchParameterTests {
    @Test func perCallParametersMatchASearcherOpenedWithThem() throws {
        let model = try EmbeddingModel(folder: TinyModel.make())
        let dir = TinyCorpus.write()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try IndexBuilder.buildTokens(model: model, corpus: dir + "/corpus.jsonl", destination: dir + "/tokens", options: IndexBuildOptions())
        let aligner = try TokenSearcher(path: dir + "/tokens", model: model, mode: .aligner, options: SearchOptions())
        let xtr = try TokenSearcher(path: dir + "/tokens", model: model, mode: .xtr, options: SearchOptions())
        for text in ["hello b", "world a"] {
            let q = try aligner.prepare(text)
            for alignment in [Alignment.topK(2), .topP(50)] {
                var opened = SearchOptions()
                opened.parameters.alignment = alignment
                let reference = try TokenSearcher(path: dir + "/tokens", model: model, mode: .aligner, options: opened)
                var call = aligner.defaultParameters
                call.alignment = alignment
                #expect(try aligner.search(q, topK: 5, parameters: call) == reference.search(q, topK: 5))
            }
            // A k' of 2 is not the default of 1000 and changes XTR's scores on this corpus (imputation).
            var call = xtr.defaultParameters
            call.kPrime = 2
            var opened = SearchOptions()
            opened.parameters.kPrime = 2
            let reference = try TokenSearcher(path: dir + "/tokens", model: model, mode: .xtr, options: opened)
            #expect(try xtr.search(q, topK: 5, parameters: call) == reference.search(q, topK: 5))
            #expect(try xtr.search(q, topK: 5, parameters: call) != xtr.search(q, topK: 5))
        }
    }

    @Test func typedFormatsReadWhatTheBuildersWrite() throws {
        let model = try EmbeddingModel(folder: TinyModel.make())
        let dir = TinyCorpus.write()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try IndexBuilder.buildDense(model: model, corpus: dir + "/corpus.jsonl", destination: dir + "/dense", options: IndexBuildOptions())
        _ = try IndexBuilder.buildTokens(model: model, corpus: dir + "/corpus.jsonl", destination: dir + "/tokens", options: IndexBuildOptions())
        _ = try IndexBuilder.buildBM25(corpus: dir + "/corpus.jsonl", destination: dir + "/bm25", options: IndexBuildOptions())
        for kind in ["dense", "tokens"] {
            let store = try DocumentStore(folder: try IndexFolder(path: dir + "/" + kind))
            #expect(Array(store.ids) == TinyCorpus.documents.map(\.0))
            #expect((0..<store.count).map { store.title(at: $0) } == TinyCorpus.documents.map(\.1))
            #expect((0..<store.count).map { store.text(at: $0) } == TinyCorpus.documents.map(\.2))
            #expect(store.text(at: 5) == nil && store.title(at: -1) == nil)
        }
        let bm25 = try DocumentStore(folder: try IndexFolder(path: dir + "/bm25"))
        #expect(bm25.count == 5 && bm25.titles == nil && bm25.text(at: 0) == nil)
        let dense = try DenseVectorTable(folder: try IndexFolder(path: dir + "/dense"))
        #expect(dense.count == 5 && dense.dimension == model.dimension)
        let tokens = try TokenVectorTable(folder: try IndexFolder(path: dir + "/tokens"))
        // 4 + 6 + 6 + 3 + 8 tokens (IndexRoundTripTests, in some order); document 3 is [CLS] b [SEP].
        #expect(tokens.documents == 5 && tokens.tokens == 27 && tokens.documentOffsets[5] == 27 && tokens.saliences == nil)
        #expect(tokens.tokenRange(of: 3).count == 3 && tokens.tokenRange(of: 4).upperBound == 27)
    }

    @Test func tokenTablesRefuseBrokenOffsetsAndSizes() throws {
        let vectors = IndexArray<Float>([1, 0, 0, 1, 1, 0])
        let ids = IndexArray<Int32>([1, 2, 3])
        let ok = try TokenVectorTable(vectors: vectors, tokenIDs: ids, documentOffsets: IndexArray([0, 1, 3]), saliences: nil, dimension: 2, name: "t")
        #expect(ok.documents == 2 && ok.tokenRange(of: 1) == 1..<3)
        for offsets: [Int64] in [[1, 3], [0, 2], [0, 2, 1, 3], []] {
            expectError("not a valid partition") {
                _ = try TokenVectorTable(vectors: vectors, tokenIDs: ids, documentOffsets: IndexArray(offsets), saliences: nil, dimension: 2, name: "t")
            }
        }
        expectError("vector values for 3 tokens") {
            _ = try TokenVectorTable(vectors: vectors, tokenIDs: ids, documentOffsets: IndexArray([0, 3]), saliences: nil, dimension: 3, name: "t")
        }
        expectError("2 saliences for 3 tokens") {
            _ = try TokenVectorTable(vectors: vectors, tokenIDs: ids, documentOffsets: IndexArray([0, 3]), saliences: IndexArray([1, 2]),
                                     dimension: 2, name: "t")
        }
        expectError("6 values for 2 × 2") { _ = try DenseVectorTable(values: vectors, count: 2, dimension: 2) }
        expectError("at least one document") { _ = try DenseVectorTable(values: IndexArray<Float>(), count: 0, dimension: 2) }
        expectError("2 titles for 3 document ids") {
            _ = try DocumentStore(ids: StringTable(["a", "b", "c"]), titles: StringTable(["x", "y"]), texts: nil)
        }
    }

    @Test func searchersOpenThroughTheLibraryAndTheCacheReuses() throws {
        let folder = TinyModel.make()
        let dir = TinyCorpus.write()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cache = IndexCache(root: dir + "/cache")
        var lines: [String] = []
        let (bm25, _) = try cache.index(kind: .bm25, dataset: dir, model: nil, options: IndexBuildOptions()) { lines.append($0) }
        let (dense, _) = try cache.index(kind: .dense, dataset: dir, model: folder, options: IndexBuildOptions()) { lines.append($0) }
        let (again, _) = try cache.index(kind: .dense, dataset: dir, model: folder, options: IndexBuildOptions()) { lines.append($0) }
        #expect(again == dense && lines.count == 3 && lines[2].hasPrefix("reusing index") && lines[0].hasPrefix("built"))
        var other = IndexBuildOptions()
        other.maxLength = 8
        #expect(try cache.path(kind: .dense, dataset: dir, model: folder, options: other) != dense)
        let models = ModelCache()
        var options = SearchOptions()
        options.hybrid = (.dense, .bm25)
        // The model comes from the manifest when none is given.
        let hybrid = try Searchers.open(mode: .hybrid, indexes: [dense, bm25], model: nil, options: options, models: models)
        #expect(try hybrid.search("hello world", topK: 3).count == 3)
        let single = try Searchers.open(mode: .dense, indexes: [dense], model: folder, options: options, models: models)
        #expect(try single.search("hello world", topK: 2).count == 2)
        expectError("needs two index folders") { _ = try Searchers.open(mode: .hybrid, indexes: [dense], model: nil, options: options) }
        expectError("takes exactly one index folder") { _ = try Searchers.open(mode: .bm25, indexes: [bm25, bm25], model: nil, options: options) }
        expectError("expected a dense index") { _ = try Searchers.open(mode: .dense, indexes: [bm25], model: folder, options: options) }
    }
}
