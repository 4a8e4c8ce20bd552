import Foundation
import TesseraKernels
import Testing
@testable import TesseraSearch

/// A five-token corpus in two dimensions, worked by hand:
/// D0 = {a=(1,0), b=(0.6,0.8)}, D1 = {c=(0.8,0.6)}, D2 = {d=(0,1), e=(0.28,0.96)}; q1=(1,0), q2=(0,1).
enum HandCorpus {
    static let vectors: [Float] = [1, 0, 0.6, 0.8, 0.8, 0.6, 0, 1, 0.28, 0.96]
    static let tokenIds: [Int32] = [10, 11, 12, 13, 14]
    nonisolated(unsafe) static let storage: UnsafeMutablePointer<Float> = {
        let p = UnsafeMutablePointer<Float>.allocate(capacity: vectors.count)
        p.initialize(from: vectors, count: vectors.count)
        return p
    }()
    nonisolated(unsafe) static let ids: UnsafeMutablePointer<Int32> = {
        let p = UnsafeMutablePointer<Int32>.allocate(capacity: tokenIds.count)
        p.initialize(from: tokenIds, count: tokenIds.count)
        return p
    }()
    static var corpus: TokenCorpus {
        TokenCorpus(vectors: storage, dimension: 2, documentOffsets: [0, 2, 3, 5], tokenIds: ids, owner: nil)
    }
    static var query: QueryTokens { QueryTokens(vectors: [1, 0, 0, 1], tokenIds: [20, 21], dimension: 2) }
}

func expectRanking(_ got: [ScoredDocument], _ expected: [(Int32, Float)], sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(got.map(\.document) == expected.map(\.0), sourceLocation: sourceLocation)
    for (g, e) in zip(got, expected) { #expect(abs(g.score - e.1) < 1e-5, "doc \(g.document): \(g.score) vs \(e.1)", sourceLocation: sourceLocation) }
}

@Suite struct RetrieverTests {
    @Test func xtrImputesTheKPrimeThScore() {
        // k' = 2: q1 retrieves a (1.0, D0), c (0.8, D1) -> m1 = 0.8; q2 retrieves d (1.0, D2), e (0.96, D2) -> m2 = 0.96.
        // D0 = (1 + m2)/2 = 0.98, D2 = (m1 + 1)/2 = 0.9, D1 = (0.8 + m2)/2 = 0.88.
        let xtr = XTRRetriever(corpus: HandCorpus.corpus)
        let (tokens, imputed) = xtr.retrieveTokens(HandCorpus.query, kPrime: 2)
        #expect(tokens[0].map(\.document) == [0, 2] && tokens[1].map(\.document) == [3, 4])
        #expect(abs(imputed[0] - 0.8) < 1e-6 && abs(imputed[1] - 0.96) < 1e-6)
        expectRanking(xtr.search(HandCorpus.query, topK: 10, kPrime: 2), [(0, 0.98), (2, 0.9), (1, 0.88)])
        // With k' covering everything, no imputation is needed and XTR equals ColBERT.
        let colbert = ColBERTRetriever(corpus: HandCorpus.corpus).search(HandCorpus.query, topK: 10)
        expectRanking(colbert, [(0, 0.9), (1, 0.7), (2, 0.64)])
        expectRanking(xtr.search(HandCorpus.query, topK: 10, kPrime: 5), [(0, 0.9), (1, 0.7), (2, 0.64)])
        expectRanking(xtr.search(HandCorpus.query, topK: 1, kPrime: 2, threads: 2), [(0, 0.98)])
    }

    @Test func tokenRetrievalRecallCountsWhatTheRetrievalStageFinds() {
        // k' = 2: q1 retrieves a (D0), c (D1); q2 retrieves d, e (both D2).
        let xtr = XTRRetriever(corpus: HandCorpus.corpus)
        let d1 = xtr.tokenRetrievalRecall(HandCorpus.query, relevant: [1], kPrime: 2)
        #expect(d1 == TokenRetrievalRecall(documentRecall: 1, goldTokenShare: 0.25, queryTokenHitRate: 0.5))
        let both = xtr.tokenRetrievalRecall(HandCorpus.query, relevant: [1, 2], kPrime: 2)
        #expect(both == TokenRetrievalRecall(documentRecall: 1, goldTokenShare: 0.75, queryTokenHitRate: 1))
        // k' = 1: D1 is not retrieved any more.
        let narrow = xtr.tokenRetrievalRecall(HandCorpus.query, relevant: [1], kPrime: 1)
        #expect(narrow == TokenRetrievalRecall(documentRecall: 0, goldTokenShare: 0, queryTokenHitRate: 0))
    }

    @Test func alignerTopKAndTopPWithUniformSaliences() {
        let uniform = InverseDocumentFrequencySalience(idf: [Float](repeating: 1, count: 32))
        let aligner = AlignerRetriever(corpus: HandCorpus.corpus, salience: uniform)
        // top-2: D0 (1 + .6 + .8 + 0)/4 = .6, D1 (.8 + .6)/2 = .7 (one token only), D2 (.28 + 0 + 1 + .96)/4 = .56.
        expectRanking(aligner.search(HandCorpus.query, topK: 10, alignment: .topK(2)), [(1, 0.7), (0, 0.6), (2, 0.56)])
        // top-p 50%: max(floor(0.5 m), 1) = 1 token for every document: MaxSim averaged.
        expectRanking(aligner.search(HandCorpus.query, topK: 10, alignment: .topP(0.5)), [(0, 0.9), (1, 0.7), (2, 0.64)])
        // top-p 100%: every token of D0 and D2 aligned.
        expectRanking(aligner.search(HandCorpus.query, topK: 10, alignment: .topP(1.0)), [(1, 0.7), (0, 0.6), (2, 0.56)])
    }

    @Test func alignerSaliencesWeightAndPrune() {
        var idf = [Float](repeating: 1, count: 32)
        idf[10] = 2  // token a is twice as salient
        let salience = InverseDocumentFrequencySalience(idf: idf)
        // top-1, no pruning: D0 = (2·1 + 1·0.8) / (2 + 1).
        let full = AlignerRetriever(corpus: HandCorpus.corpus, salience: salience)
        expectRanking(full.search(HandCorpus.query, topK: 1, alignment: .topK(1)), [(0, 2.8 / 3)])
        // β = 0.5 keeps a (D0), c (D1), d (D2, tie with e broken by position).
        let pruned = AlignerRetriever(corpus: HandCorpus.corpus, salience: salience, beta: 0.5)
        #expect(pruned.kept == [true, false, true, true, false])
        #expect(abs(pruned.keptFraction - 0.6) < 1e-9)
        expectRanking(pruned.search(HandCorpus.query, topK: 10, alignment: .topK(1)), [(1, 0.7), (0, 0.5), (2, 0.5)])
    }

    @Test func idfSalienceCountsDocumentFrequency() {
        let idf = InverseDocumentFrequencySalience(corpus: HandCorpus.corpus, vocabularySize: 16)
        // Every id appears in exactly one of 3 documents: ln(1 + (3 - 1 + 0.5) / 1.5); unseen: ln(1 + 3.5/0.5).
        #expect(abs(idf.idf[10] - Float(log(1 + 2.5 / 1.5))) < 1e-6)
        #expect(abs(idf.idf[0] - Float(log(8.0))) < 1e-6)
    }

    @Test func alignmentParsingAndCounts() {
        #expect(Alignment("k4") == .topK(4) && Alignment("top-k=2") == .topK(2))
        #expect(Alignment("p1.5") == .topP(0.015) && Alignment("top-p=2%") == .topP(0.02))
        #expect(Alignment("x") == nil && Alignment("k0") == nil)
        #expect(Alignment.topP(0.015).count(documentLength: 256) == 3)
        #expect(Alignment.topP(0.015).count(documentLength: 10) == 1)
    }

    @Test func denseExactAndMatryoshka() {
        let vectors: [Float] = [1, 0, 0, 0.6, 0.8, 0, 0, 0.6, 0.8]
        let p = UnsafeMutablePointer<Float>.allocate(capacity: 9)
        p.initialize(from: vectors, count: 9)
        defer { p.deallocate() }
        let dense = DenseRetriever(vectors: p, count: 3, storedDimension: 3, owner: nil)
        let results = dense.search(queries: [0, 1, 0, 1, 0, 0], queryDimension: 3, topK: 2)
        expectRanking(results[0], [(1, 0.8), (2, 0.6)])
        expectRanking(results[1], [(0, 1), (1, 0.6)])
        // First 2 dims, renormalised: doc 2 -> (1, 0)·(0, 1) ... = (0, 1) -> scores q=(0,1): d0 0, d1 0.8, d2 1.
        let short = DenseRetriever(vectors: p, count: 3, storedDimension: 3, dimension: 2, owner: nil)
        expectRanking(short.search(queries: [0, 1, 0], queryDimension: 3, topK: 3)[0], [(2, 1), (1, 0.8), (0, 0)])
    }

    @Test func fusionByRankAndByNormalisedScore() {
        let a = [ScoredDocument(document: 1, score: 10), ScoredDocument(document: 2, score: 5), ScoredDocument(document: 3, score: 0)]
        let b = [ScoredDocument(document: 3, score: 0.9), ScoredDocument(document: 1, score: 0.5)]
        let rrf = Fusion.reciprocalRank(k: 60).fuse([a, b], topK: 3)
        expectRanking(rrf, [(1, Float(1.0 / 61 + 1.0 / 62)), (3, Float(1.0 / 63 + 1.0 / 61)), (2, Float(1.0 / 62))])
        let score = Fusion.normalizedScore(weights: [0.6, 0.4]).fuse([a, b], topK: 3)
        // a normalised: 1 -> 1, 2 -> 0.5, 3 -> 0; b: 3 -> 1, 1 -> 0.
        expectRanking(score, [(1, 0.6), (3, 0.4), (2, 0.3)])
    }

    @Test func topKKeepsBestWithDeterministicTies() {
        var top = TopK(k: 3)
        for (d, s) in [(5, 1.0), (1, 2.0), (7, 2.0), (3, 0.5), (2, 2.0)] as [(Int32, Float)] { top.insert(d, s) }
        #expect(top.sorted().map(\.document) == [1, 2, 7])
        #expect(top.threshold == 2)
    }
}
