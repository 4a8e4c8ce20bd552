import Foundation

/// Unary token saliences u (PAPERS.md §3): how much a token may take part in an alignment.
///
/// A trained salience head (`u = λ · ReLU(W x + b)`) will plug in here; until then Tessera uses an
/// unsupervised proxy.
public protocol TokenSalience: Sendable {
    /// Saliences of tokens given their vocabulary ids and vectors (`count × dimension`, row-major).
    func saliences(tokenIds: UnsafeBufferPointer<Int32>, vectors: UnsafePointer<Float>, dimension: Int, isQuery: Bool) -> [Float]
}

/// The unsupervised proxy: inverse document frequency of the token's vocabulary id over the indexed
/// corpus, idf(t) = ln(1 + (N − df + 0.5) / (df + 0.5)) (as BM25). Tokens in every document (`[CLS]`,
/// `[SEP]`, common punctuation) get nearly 0; rare content word pieces get the most.
public struct InverseDocumentFrequencySalience: TokenSalience {
    /// idf per vocabulary id (ids never seen get the maximum, ln(1 + (N + 0.5) / 0.5)).
    public let idf: [Float]

    /// Counts document frequencies of vocabulary ids in `corpus` (needs its token ids).
    public init(corpus: TokenCorpus, vocabularySize: Int) {
        var df = [Int32](repeating: 0, count: vocabularySize)
        var lastSeen = [Int32](repeating: -1, count: vocabularySize)
        if let ids = corpus.tokenIds {
            for d in 0..<corpus.documentCount {
                for r in corpus.documentOffsets[d]..<corpus.documentOffsets[d + 1] {
                    let t = Int(ids[r])
                    guard t >= 0 && t < vocabularySize else { continue }
                    if lastSeen[t] != Int32(d) { lastSeen[t] = Int32(d); df[t] += 1 }
                }
            }
        }
        let n = Double(corpus.documentCount)
        idf = df.map { Float(log(1 + (n - Double($0) + 0.5) / (Double($0) + 0.5))) }
    }

    /// Makes the table from explicit values.
    public init(idf: [Float]) { self.idf = idf }

    /// idf of each token id.
    public func saliences(tokenIds: UnsafeBufferPointer<Int32>, vectors: UnsafePointer<Float>, dimension: Int, isQuery: Bool) -> [Float] {
        tokenIds.map { $0 >= 0 && Int($0) < idf.count ? idf[Int($0)] : 0 }
    }
}
