import Foundation
import TesseraKernels

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
        let offsets = corpus.documentOffsets
        guard let ids = corpus.tokenIds else {
            // No token ids: every id unseen, as a table over `documentCount` documents that hold none of them.
            let none = InverseDocumentFrequency.value(documentFrequency: 0, documentCount: Double(corpus.documentCount))
            idf = [Float](repeating: Float(none), count: vocabularySize)
            return
        }
        idf = InverseDocumentFrequency.table(tokenIds: UnsafeBufferPointer(start: ids, count: offsets.last ?? 0),
                                             documentOffsets: offsets, vocabularySize: vocabularySize).map(Float.init)
    }

    /// Makes the table from explicit values.
    public init(idf: [Float]) { self.idf = idf }

    /// idf of each token id.
    public func saliences(tokenIds: UnsafeBufferPointer<Int32>, vectors: UnsafePointer<Float>, dimension: Int, isQuery: Bool) -> [Float] {
        tokenIds.map { $0 >= 0 && Int($0) < idf.count ? idf[Int($0)] : 0 }
    }
}
