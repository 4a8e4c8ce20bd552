import TesseraKernels

/// XTR inference (PAPERS.md §2), exact version: for each query token retrieve its top-k' tokens over the
/// whole corpus; candidates are the documents owning a retrieved token; each is scored with retrieved
/// similarities only, imputing m_i (the k'-th retrieved score of query token i) where none was retrieved:
/// f(Q, D) = (1/n) Σᵢ max(maxⱼ∈retrieved(i,D) ⟨qᵢ, dⱼ⟩, m_i).
public struct XTRRetriever: Sendable {
    /// The indexed token vectors.
    public let corpus: TokenCorpus

    /// Makes a retriever over `corpus`.
    public init(corpus: TokenCorpus) { self.corpus = corpus }

    /// The top-k' token rows and scores per query token (best first) and each token's m_i.
    public func retrieveTokens(_ query: QueryTokens, kPrime: Int, threads: Int = 1) -> (tokens: [[ScoredDocument]], imputed: [Float]) {
        let n = query.count
        let workers = max(1, min(threads, corpus.chunks.count))
        // One set of heaps per worker, kept across its chunks (a worker runs one chunk at a time).
        let states = (0..<workers).map { _ in TokenHeaps(queryTokens: n, kPrime: kPrime) }
        corpus.scan(query: query, threads: workers) { worker, chunk, scores in
            states[worker].add(chunk: chunk, scores: scores)
        }
        var tokens: [[ScoredDocument]] = []
        var imputed: [Float] = []
        for i in 0..<n {
            var merged = states[0].heaps[i]
            for w in states.dropFirst() { for item in w.heaps[i].sorted() where item.score > merged.threshold { merged.insert(item) } }
            let list = merged.sorted()
            tokens.append(list)
            imputed.append(list.last?.score ?? 0)
        }
        return (tokens, imputed)
    }

    /// The `topK` best documents for `query` with k' retrieved tokens per query token.
    public func search(_ query: QueryTokens, topK: Int, kPrime: Int, threads: Int = 1) -> [ScoredDocument] {
        let (tokens, imputed) = retrieveTokens(query, kPrime: kPrime, threads: threads)
        return Self.score(retrieved: tokens, imputed: imputed, tokenDocuments: corpus.tokenDocuments, topK: topK)
    }

    /// Scores candidates from retrieved (token row, score) lists: per query token the best retrieved score
    /// in each document, else m_i; the mean over query tokens.
    public static func score(retrieved: [[ScoredDocument]], imputed: [Float], tokenDocuments: [Int32], topK: Int) -> [ScoredDocument] {
        let n = retrieved.count
        guard n > 0 else { return [] }
        // (document, query token, score) triples, grouped by document.
        var triples: [(doc: Int32, token: Int32, score: Float)] = []
        triples.reserveCapacity(retrieved.reduce(0) { $0 + $1.count })
        for (i, list) in retrieved.enumerated() {
            for item in list { triples.append((tokenDocuments[Int(item.document)], Int32(i), item.score)) }
        }
        triples.sort { $0.doc != $1.doc ? $0.doc < $1.doc : $0.token < $1.token }
        let imputedTotal = imputed.reduce(0, +)
        var heap = TopK(k: topK)
        var index = 0
        while index < triples.count {
            let doc = triples[index].doc
            // Start from "every token imputed" and replace each retrieved token's m_i by its best score.
            var total = imputedTotal
            while index < triples.count && triples[index].doc == doc {
                let token = triples[index].token
                var best = triples[index].score
                index += 1
                while index < triples.count && triples[index].doc == doc && triples[index].token == token {
                    best = max(best, triples[index].score)
                    index += 1
                }
                total += max(best, imputed[Int(token)]) - imputed[Int(token)]
            }
            heap.insert(doc, total / Float(n))
        }
        return heap.sorted()
    }
}

/// Per-worker top-k' heaps of one query (one per query token); touched by one thread at a time.
final class TokenHeaps: @unchecked Sendable {
    var heaps: [TopK]
    var thresholds: [Float]

    init(queryTokens n: Int, kPrime: Int) {
        heaps = (0..<n).map { _ in TopK(k: kPrime) }
        thresholds = [Float](repeating: -.infinity, count: n)
    }

    func add(chunk: Range<Int>, scores: UnsafePointer<Float>) {
        let n = heaps.count
        thresholds.withUnsafeMutableBufferPointer { t in
            for r in chunk {
                let row = scores + (r - chunk.lowerBound) * n
                for i in 0..<n where row[i] > t[i] {
                    heaps[i].insert(Int32(r), row[i])
                    t[i] = heaps[i].threshold
                }
            }
        }
    }
}

/// How well XTR's token retrieval stage finds the relevant documents (the XTR paper's analysis of its training
/// objective): with k' tokens retrieved per query token, over the whole corpus.
public struct TokenRetrievalRecall: Sendable, Equatable {
    /// Fraction of the relevant documents that own at least one retrieved token (they become candidates).
    public var documentRecall: Double
    /// Fraction of the n · k' retrieved tokens that belong to a relevant document.
    public var goldTokenShare: Double
    /// Fraction of query tokens that retrieved at least one token of a relevant document.
    public var queryTokenHitRate: Double

    /// Makes figures.
    public init(documentRecall: Double, goldTokenShare: Double, queryTokenHitRate: Double) {
        self.documentRecall = documentRecall
        self.goldTokenShare = goldTokenShare
        self.queryTokenHitRate = queryTokenHitRate
    }
}

extension XTRRetriever {
    /// The token retrieval figures of one query whose relevant documents (corpus row numbers) are `relevant`.
    public func tokenRetrievalRecall(_ query: QueryTokens, relevant: Set<Int32>, kPrime: Int, threads: Int = 1) -> TokenRetrievalRecall {
        let (tokens, _) = retrieveTokens(query, kPrime: kPrime, threads: threads)
        var found = Set<Int32>()
        var gold = 0, total = 0, hits = 0
        for list in tokens {
            var hit = false
            for item in list {
                let document = corpus.tokenDocuments[Int(item.document)]
                total += 1
                if relevant.contains(document) {
                    gold += 1
                    hit = true
                    found.insert(document)
                }
            }
            if hit { hits += 1 }
        }
        return TokenRetrievalRecall(documentRecall: relevant.isEmpty ? 0 : Double(found.count) / Double(relevant.count),
                                    goldTokenShare: total == 0 ? 0 : Double(gold) / Double(total),
                                    queryTokenHitRate: tokens.isEmpty ? 0 : Double(hits) / Double(tokens.count))
    }
}
