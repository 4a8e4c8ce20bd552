import Foundation
import TesseraKernels
import Testing
import TesseraIO
import TesseraIndex
import TesseraIngest
import TesseraModels
import TesseraTestSupport
@testable import TesseraSearch

/// A small random corpus (unit vectors, vocabulary ids) and a WARP index of it where every token is its own
/// centroid, so decoding is exact and WARP must agree with the exact retrievers.
struct WARPFixture {
    let root: String
    let d = 16
    let vectors: [Float]
    let offsets: [Int]
    let ids: [Int32]
    /// Learned saliences of every token (nil: the index uses IDF).
    let saliences: [Float]?

    init(documents: Int = 25, prune: Double = 1, bits: Int = 4, centroids: Int? = nil, learnedSaliences: Bool = false) throws {
        root = TestFolder.path("tessera-warp-test")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        var rng = SplitMix64(seed: 42)
        func uniform() -> Float { Float(rng.next() >> 40) / Float(1 << 24) * 2 - 1 }
        var offsets = [0]
        for _ in 0..<documents { offsets.append(offsets.last! + 2 + Int(rng.next() % 7)) }
        let total = offsets.last!
        var v = [Float](repeating: 0, count: total * d)
        for t in 0..<total {
            var norm: Float = 0
            for j in 0..<d { v[t * d + j] = uniform(); norm += v[t * d + j] * v[t * d + j] }
            for j in 0..<d { v[t * d + j] /= norm.squareRoot() }
        }
        vectors = v
        self.offsets = offsets
        ids = (0..<total).map { _ in Int32(rng.next() % 30) }
        // Learned saliences in [0, 2), a quarter of them 0 (ReLU).
        let saliences: [Float]? = learnedSaliences ? (0..<total).map { _ in rng.next() % 4 == 0 ? 0 : Float(rng.next() >> 40) / Float(1 << 23) } : nil
        self.saliences = saliences
        var p = WARPBuildParameters()
        p.bits = bits
        p.prune = prune
        p.centroids = centroids ?? total
        p.iterations = 2
        let builder = try WARPIndexBuilder(destination: root + "/warp", dimension: d, parameters: p)
        for doc in 0..<documents {
            try v.withUnsafeBufferPointer { b in
                try builder.add(documentID: "d\(doc)", vectors: UnsafeBufferPointer(rebasing: b[(offsets[doc] * d)..<(offsets[doc + 1] * d)]),
                                tokenIds: Array(ids[offsets[doc]..<offsets[doc + 1]]),
                                saliences: saliences.map { Array($0[offsets[doc]..<offsets[doc + 1]]) })
            }
        }
        _ = try builder.finish(model: .null, parameters: JSONObject(), titles: nil, texts: nil)
    }

    func corpus() -> TokenCorpus {
        let storage = UnsafeMutablePointer<Float>.allocate(capacity: vectors.count)
        storage.initialize(from: vectors, count: vectors.count)
        let idStorage = UnsafeMutablePointer<Int32>.allocate(capacity: ids.count)
        idStorage.initialize(from: ids, count: ids.count)
        return TokenCorpus(vectors: storage, dimension: d, documentOffsets: offsets, tokenIds: idStorage, owner: nil)
    }

    func query(seed: UInt64, tokens: Int = 5) -> QueryTokens {
        var rng = SplitMix64(seed: seed)
        var q = [Float](repeating: 0, count: tokens * d)
        for t in 0..<tokens {
            var norm: Float = 0
            for j in 0..<d { q[t * d + j] = Float(rng.next() >> 40) / Float(1 << 24) * 2 - 1; norm += q[t * d + j] * q[t * d + j] }
            for j in 0..<d { q[t * d + j] /= norm.squareRoot() }
        }
        let ids = (0..<tokens).map { _ in Int32(rng.next() % 32) }
        let u: [Float]? = saliences == nil ? nil : (0..<tokens).map { _ in Float(rng.next() >> 40) / Float(1 << 24) + 0.05 }
        return QueryTokens(vectors: q, tokenIds: ids, dimension: d, saliences: u)
    }

    func remove() { try? FileManager.default.removeItem(atPath: root) }
}

/// `got` (WARP) ranks like `exact` (every document, best first) up to `tolerance`: each returned document's score is
/// within `tolerance` of its exact score, and the document at each rank has an exact score within 2·tolerance of
/// the exact score at that rank, so only documents whose exact scores are that close may swap places.
func expectSameRanking(_ got: [ScoredDocument], _ exact: [ScoredDocument], tolerance: Float,
                       sourceLocation: SourceLocation = #_sourceLocation) {
    var exactScore: [Int32: Float] = [:]
    for r in exact { exactScore[r.document] = r.score }
    for (rank, r) in got.enumerated() {
        guard let e = exactScore[r.document] else {
            Issue.record("document \(r.document) missing from the exact results", sourceLocation: sourceLocation)
            continue
        }
        #expect(abs(r.score - e) < tolerance, "document \(r.document): \(r.score) vs exact \(e)", sourceLocation: sourceLocation)
        if rank < exact.count {
            #expect(abs(e - exact[rank].score) < 2 * tolerance, "rank \(rank): document \(r.document) is not a near-tie of \(exact[rank].document)",
                    sourceLocation: sourceLocation)
        }
    }
}

@Suite struct WARPEngineTests {
    @Test func equalsExactXTRWhenEveryCentroidIsProbedAndCodesAreExact() throws {
        let f = try WARPFixture()
        defer { f.remove() }
        let index = try WARPIndex(path: f.root + "/warp")
        let engine = WARPEngine(index: index)
        let corpus = f.corpus()
        let total = f.offsets.last!
        #expect(index.centroidCount == total)
        for seed in 1...5 as ClosedRange<UInt64> {
            let q = f.query(seed: seed)
            var p = WARPSearchParameters()
            p.nProbe = index.centroidCount
            p.tPrime = total
            let exact = XTRRetriever(corpus: corpus).search(q, topK: f.offsets.count - 1, kPrime: total)
            for threads in [1, 2] {
                p.threads = threads
                let warp = engine.searchXTR(q, topK: 10, parameters: p)
                // Centroids are stored in bfloat16: a token's own centroid differs from it by ≤ 2⁻⁹ relative per
                // component, a residual r the codec approximates by r̂ with |r̂ⱼ| ≤ max|rⱼ|, so a score is off by
                // at most |q·r| + |q·r̂| ≤ 2·2⁻⁹ (unit vectors).
                expectSameRanking(warp, exact, tolerance: 4e-3)
            }
        }
    }

    @Test func fewerProbesStillFindTheBestDocumentAndConcurrentQueriesAgree() async throws {
        let f = try WARPFixture(documents: 60, centroids: 16)
        defer { f.remove() }
        let index = try WARPIndex(path: f.root + "/warp")
        let engine = WARPEngine(index: index)
        var p = WARPSearchParameters()
        p.nProbe = 8
        // A query that is a document's own tokens ranks that document first.
        let doc = 17
        let rows = f.offsets[doc]..<f.offsets[doc + 1]
        let q = QueryTokens(vectors: Array(f.vectors[(rows.lowerBound * f.d)..<(rows.upperBound * f.d)]),
                            tokenIds: Array(f.ids[rows]), dimension: f.d)
        let params = p
        let serial = engine.searchXTR(q, topK: 5, parameters: params)
        #expect(serial.first?.document == Int32(doc))
        let results = await withTaskGroup(of: [ScoredDocument].self) { group in
            for _ in 0..<8 { group.addTask { engine.searchXTR(q, topK: 5, parameters: params) } }
            var all: [[ScoredDocument]] = []
            for await r in group { all.append(r) }
            return all
        }
        for r in results { #expect(r == serial) }
    }

    /// Stage 1 in bfloat16 (AVX512-BF16), int16 (AVX2) or fp32: with every centroid probed each path decodes the
    /// same postings against fp32-rescored centroids, so they return the same ranking and scores. With the default
    /// n_probe the screened paths probe the same centroids as fp32 unless two centroid scores are near-tied.
    @Test(arguments: [CentroidScreening.bfloat16, .int16])
    func screenedAndFloatCentroidScoringAgree(screening: CentroidScreening) throws {
        let f = try WARPFixture(documents: 60, centroids: 40)
        defer { f.remove() }
        let index = try WARPIndex(path: f.root + "/warp")
        let fast = WARPEngine(index: index, screening: screening), portable = WARPEngine(index: index, screening: .none)
        #expect(fast.screening == (screening.isAvailable ? screening : .none))
        #expect(portable.floatScorer != nil && portable.packedCentroids.isEmpty && portable.int16 == nil)
        for seed in 1...4 as ClosedRange<UInt64> {
            let q = f.query(seed: seed)
            var p = WARPSearchParameters()
            p.nProbe = index.centroidCount
            p.tPrime = index.tokenCount
            let a = fast.searchXTR(q, topK: 10, parameters: p), b = portable.searchXTR(q, topK: 10, parameters: p)
            #expect(a.map(\.document) == b.map(\.document))
            for (x, y) in zip(a, b) { #expect(abs(x.score - y.score) < 1e-5) }
            let c = fast.searchAligner(q, topK: 10, parameters: p), d = portable.searchAligner(q, topK: 10, parameters: p)
            #expect(c.map(\.document) == d.map(\.document))
        }
    }

    @Test func alignerOnAPrunedIndexEqualsExactAligner() throws {
        let f = try WARPFixture(prune: 0.5)
        defer { f.remove() }
        let index = try WARPIndex(path: f.root + "/warp")
        let engine = WARPEngine(index: index)
        let corpus = f.corpus()
        let salience = InverseDocumentFrequencySalience(corpus: corpus, vocabularySize: 32)
        for alignment in [Alignment.topK(1), .topK(2), .topP(0.5)] {
            let exact = AlignerRetriever(corpus: corpus, salience: salience, beta: 0.5)
            #expect(index.tokenCount == exact.kept.filter { $0 }.count)
            for seed in 1...4 as ClosedRange<UInt64> {
                let q = f.query(seed: seed)
                expectAlignerAgrees(engine.searchAligner(q, topK: 5, parameters: probingEverything(index, alignment)),
                                    exact.search(q, topK: 5, alignment: alignment))
            }
        }
    }
}

extension WARPEngineTests {
    /// Settings that probe every centroid with t' past every token: with exact codes, WARP must agree with the exact retrievers.
    func probingEverything(_ index: WARPIndex, _ alignment: Alignment) -> WARPSearchParameters {
        var p = WARPSearchParameters()
        p.nProbe = index.centroidCount
        p.tPrime = index.tokenCount
        p.alignment = alignment
        return p
    }

    /// AligneR through WARP against the exact retriever: saliences are stored in 8 bits, so scores agree closely and the
    /// best document exactly.
    func expectAlignerAgrees(_ got: [ScoredDocument], _ want: [ScoredDocument], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(got.first?.document == want.first?.document, sourceLocation: sourceLocation)
        for (a, b) in zip(got, want) { #expect(abs(a.score - b.score) < 0.02, sourceLocation: sourceLocation) }
    }

    /// An index built with learned saliences (AligneR's heads) prunes by them, stores them, and scores with the query's
    /// own saliences: WARP equals the exact AligneR retriever over the same learned saliences.
    @Test func learnedSaliencesPruneAndWeighAsInExactAligner() throws {
        let f = try WARPFixture(prune: 0.5, learnedSaliences: true)
        defer { f.remove() }
        let index = try WARPIndex(path: f.root + "/warp")
        #expect(index.learnedSaliences && index.folder.manifest.parameters["salience"]?.stringValue == "learned")
        let engine = WARPEngine(index: index)
        let learned = try #require(f.saliences)
        let exact = AlignerRetriever(corpus: f.corpus(), learnedSaliences: learned, beta: 0.5)
        #expect(index.tokenCount == exact.kept.filter { $0 }.count)
        for alignment in [Alignment.topK(1), .topK(2)] {
            for seed in 1...4 as ClosedRange<UInt64> {
                let q = f.query(seed: seed)
                var p = probingEverything(index, alignment)
                expectAlignerAgrees(engine.searchAligner(q, topK: 5, parameters: p), exact.search(q, topK: 5, alignment: alignment))
                // β_q = 0.4 of 5 tokens: the two most salient query tokens, exactly as a query of those two alone.
                p.queryPrune = 0.4
                let u = try #require(q.saliences)
                let top = (0..<q.count).sorted { u[$0] > u[$1] }.prefix(2).sorted()
                let two = QueryTokens(vectors: top.flatMap { q.vectors[($0 * f.d)..<(($0 + 1) * f.d)] }, tokenIds: top.map { q.tokenIds[$0] },
                                      dimension: f.d, saliences: top.map { u[$0] })
                let pruned = engine.searchAligner(q, topK: 5, parameters: p)
                var whole = p
                whole.queryPrune = 1
                let alone = engine.searchAligner(two, topK: 5, parameters: whole)
                #expect(pruned.map(\.document) == alone.map(\.document))
                for (a, b) in zip(pruned, alone) { #expect(a.score == b.score) }
            }
        }
    }
}

@Suite struct WARPSearcherTests {
    @Test func compressedSearcherMatchesExactXTRAndChecksTheModel() throws {
        let model = try EmbeddingModel(folder: TinyModel.make())
        let dir = TinyCorpus.write()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try IndexBuilder.buildTokens(model: model, corpus: dir + "/corpus.jsonl", destination: dir + "/tokens", options: IndexBuildOptions())
        var build = WARPBuildParameters()
        build.centroids = 27  // one centroid per token: decoding is exact
        let report = try WARPIndexBuilder.build(fromExactIndex: dir + "/tokens", destination: dir + "/warp", parameters: build)
        #expect(report.documents == 5 && report.tokens == 27)
        var options = SearchOptions()
        options.parameters.kPrime = 1000
        let exact = try TokenSearcher(path: dir + "/tokens", model: model, mode: .xtr, options: options)
        var p = WARPSearchParameters()
        p.nProbe = 27
        p.tPrime = 27
        let warp = try WARPSearcher(path: dir + "/warp", model: model, mode: .xtr, parameters: p)
        #expect(Array(warp.documentIDs) == Array(exact.documentIDs))
        for text in ["hello b", "world", "a a b hellos"] {
            let want = try exact.search(text, topK: 5), got = try warp.search(text, topK: 5)
            #expect(got.count == 5)
            expectSameRanking(got, want, tolerance: 4e-3)  // bfloat16 centroids (see WARPEngineTests)
        }
        let aligner = try WARPSearcher(path: dir + "/warp", model: model, mode: .aligner, parameters: p)
        #expect(try aligner.search("hello b", topK: 5).count == 5)
        // Document store carried over; the exact searcher refuses the compressed folder and vice versa.
        #expect(Array(try IndexFolder(path: dir + "/warp").strings("titles")) == TinyCorpus.documents.map(\.1))
        #expect(throws: (any Error).self) { try WARPSearcher(path: dir + "/tokens", model: model, mode: .xtr, parameters: p) }
        #expect(throws: (any Error).self) { try TokenSearcher(path: dir + "/warp", model: model, mode: .xtr, options: options) }
        #expect(throws: (any Error).self) { try WARPSearcher(path: dir + "/warp", model: model, mode: .colbert, parameters: p) }
    }
}
