import Foundation
import TesseraIO
import TesseraKernels

/// BM25 parameters.
public struct BM25Parameters: Sendable, Equatable {
    /// Term-frequency saturation (default 1.5, as bm25s).
    public var k1: Double
    /// Document-length normalisation (default 0.75, as bm25s).
    public var b: Double

    /// Makes parameters.
    public init(k1: Double = 1.5, b: Double = 0.75) {
        self.k1 = k1
        self.b = b
    }
}

/// An immutable BM25 inverted index: a sorted vocabulary, per-term postings (document index ascending, term
/// frequency) in flat arrays, document lengths, document external ids.
///
/// Scoring (bm25s's default "lucene" variant), for a query term t with document frequency df among N documents:
///
///     idf(t)     = ln(1 + (N − df + 0.5) / (df + 0.5))
///     score(t,d) = idf(t) · tf·(k1 + 1) / (tf + k1·(1 − b + b·dl/avgdl))
///
/// summed over the query's terms, a term repeated in the query counting once per occurrence. dl is the number of
/// terms of the document after stop-word removal; avgdl their mean. (bm25s omits the constant factor k1 + 1, so its
/// scores are these divided by k1 + 1 and its rankings the same.)
///
/// Built with ``BM25IndexBuilder``, saved with ``write(to:)``, reopened (memory-mapped, no re-analysis) with
/// ``init(folder:verifyChecksums:)``. Searching is safe from any number of threads at once: the index is never
/// mutated, and each search borrows a scratch buffer from a small pool.
public final class BM25Index: Sendable {
    /// How texts and queries become terms.
    public let analyzer: TextAnalyzer
    /// k1 and b.
    public let parameters: BM25Parameters
    /// The terms, strictly increasing in UTF-8 byte order; a term's id is its position.
    public let vocabulary: StringTable
    /// `terms + 1` offsets into the postings: term t's postings are `postingOffsets[t] ..< postingOffsets[t + 1]`.
    public let postingOffsets: IndexArray<Int64>
    /// Document index of each posting (increasing within a term).
    public let postingDocuments: IndexArray<Int32>
    /// Term frequency of each posting (≥ 1).
    public let postingFrequencies: IndexArray<UInt32>
    /// Number of terms in each document (after stop-word removal).
    public let documentLengths: IndexArray<UInt32>
    /// The documents' external ids, in document order.
    public let documentIDs: StringTable
    /// Mean document length.
    public let averageDocumentLength: Double

    /// k1·(1 − b + b·dl/avgdl) per document.
    let lengthNorms: IndexArray<Float>
    let scratchPool = ScratchPool()

    /// The number of documents.
    public var documentCount: Int { documentLengths.count }
    /// The number of distinct terms.
    public var termCount: Int { vocabulary.count }
    /// The number of (term, document) postings.
    public var postingCount: Int { postingDocuments.count }

    /// Wraps validated arrays.
    init(analyzer: TextAnalyzer, parameters: BM25Parameters, vocabulary: StringTable, postingOffsets: IndexArray<Int64>,
         postingDocuments: IndexArray<Int32>, postingFrequencies: IndexArray<UInt32>,
         documentLengths: IndexArray<UInt32>, documentIDs: StringTable) {
        self.analyzer = analyzer
        self.parameters = parameters
        self.vocabulary = vocabulary
        self.postingOffsets = postingOffsets
        self.postingDocuments = postingDocuments
        self.postingFrequencies = postingFrequencies
        self.documentLengths = documentLengths
        self.documentIDs = documentIDs
        var total = 0
        for length in documentLengths.buffer { total += Int(length) }
        let average = documentLengths.isEmpty ? 0 : Double(total) / Double(documentLengths.count)
        averageDocumentLength = average
        let k1 = parameters.k1, b = parameters.b
        lengthNorms = IndexArray(documentLengths.buffer.lazy.map { length -> Float in
            let ratio = average > 0 ? Double(length) / average : 1
            return Float(k1 * (1 - b + b * ratio))
        })
    }

    /// The same postings scored with other parameters (nothing is copied but the per-document norms).
    public func withParameters(_ parameters: BM25Parameters) -> BM25Index {
        BM25Index(analyzer: analyzer, parameters: parameters, vocabulary: vocabulary, postingOffsets: postingOffsets,
                  postingDocuments: postingDocuments, postingFrequencies: postingFrequencies,
                  documentLengths: documentLengths, documentIDs: documentIDs)
    }

    /// The external id of document `index`.
    public func documentID(_ index: Int) -> String { documentIDs[index] }

    /// The id of `term` (an analysed term, e.g. a stem), or nil if no document contains it.
    public func termID(_ term: String) -> Int? { vocabulary.sortedIndex(of: term) }

    /// How many documents contain term `id`.
    public func documentFrequency(ofTerm id: Int) -> Int {
        Int(postingOffsets[id + 1] - postingOffsets[id])
    }

    /// idf of a term with document frequency `df`.
    public func inverseDocumentFrequency(documentFrequency df: Int) -> Double {
        InverseDocumentFrequency.value(documentFrequency: Double(df), documentCount: Double(documentCount))
    }
}

/// Builds a ``BM25Index`` from documents added one at a time.
///
/// Each distinct surface word is stemmed once (as bm25s does); ids must be unique.
public final class BM25IndexBuilder {
    /// The analyser applied to every document.
    public let analyzer: TextAnalyzer
    /// The parameters of the index built.
    public let parameters: BM25Parameters

    private var wordToTerm: [ByteKey: Int32] = [:]
    private var termToID: [ByteKey: Int32] = [:]
    private var terms: [String] = []
    private var ids: [String] = []
    private var idSet = Set<ByteKey>()
    private var pairStarts: [Int] = [0]
    private var pairTerms: [Int32] = []
    private var pairFrequencies: [UInt32] = []
    private var lengths: [UInt32] = []
    private var documentTerms: [Int32] = []

    /// Makes an empty builder.
    public init(analyzer: TextAnalyzer = .english, parameters: BM25Parameters = BM25Parameters()) {
        self.analyzer = analyzer
        self.parameters = parameters
    }

    /// The number of documents added so far.
    public var documentCount: Int { ids.count }

    /// Adds a document; throws on a duplicate id.
    public func add(id: String, text: String) throws(IndexError) {
        guard idSet.insert(ByteKey(id)).inserted else {
            throw IndexError(.invalidArgument, "duplicate document id \"\(id)\"")
        }
        ids.append(id)
        documentTerms.removeAll(keepingCapacity: true)
        analyzer.forEachWord(in: text) { word in
            let key = ByteKey(word)
            if let term = wordToTerm[key] {
                documentTerms.append(term)
                return
            }
            let stem = ByteKey(analyzer.stem(word))
            let term: Int32
            if let existing = termToID[stem] {
                term = existing
            } else {
                term = Int32(terms.count)
                terms.append(stem.string)
                termToID[stem] = term
            }
            wordToTerm[key] = term
            documentTerms.append(term)
        }
        lengths.append(UInt32(documentTerms.count))
        documentTerms.sort()
        var i = 0
        while i < documentTerms.count {
            var j = i + 1
            while j < documentTerms.count && documentTerms[j] == documentTerms[i] { j += 1 }
            pairTerms.append(documentTerms[i])
            pairFrequencies.append(UInt32(j - i))
            i = j
        }
        pairStarts.append(pairTerms.count)
    }

    /// The index of everything added (the builder can keep adding and build again).
    public func build() -> BM25Index {
        let termCount = terms.count
        // Sort the vocabulary by UTF-8 bytes; remap provisional ids.
        let order = (0..<termCount).sorted { terms[$0].utf8.lexicographicallyPrecedes(terms[$1].utf8) }
        var newID = [Int32](repeating: 0, count: termCount)
        for (rank, old) in order.enumerated() { newID[old] = Int32(rank) }
        var offsets = [Int64](repeating: 0, count: termCount + 1)
        for t in pairTerms { offsets[Int(newID[Int(t)]) + 1] += 1 }
        for t in 0..<termCount { offsets[t + 1] += offsets[t] }
        var fill = offsets
        var docs = [Int32](repeating: 0, count: pairTerms.count)
        var freqs = [UInt32](repeating: 0, count: pairTerms.count)
        for d in 0..<ids.count {
            for p in pairStarts[d]..<pairStarts[d + 1] {
                let t = Int(newID[Int(pairTerms[p])])
                let slot = Int(fill[t])
                docs[slot] = Int32(d)
                freqs[slot] = pairFrequencies[p]
                fill[t] += 1
            }
        }
        return BM25Index(analyzer: analyzer, parameters: parameters, vocabulary: StringTable(order.map { terms[$0] }),
                         postingOffsets: IndexArray(offsets), postingDocuments: IndexArray(docs),
                         postingFrequencies: IndexArray(freqs), documentLengths: IndexArray(lengths),
                         documentIDs: StringTable(ids))
    }
}

extension BM25Index {
    /// Builds an index of `documents` (external id, text) in order.
    public convenience init(documents: [(id: String, text: String)], analyzer: TextAnalyzer = .english,
                            parameters: BM25Parameters = BM25Parameters()) throws(IndexError) {
        let builder = BM25IndexBuilder(analyzer: analyzer, parameters: parameters)
        for d in documents { try builder.add(id: d.id, text: d.text) }
        let built = builder.build()
        self.init(analyzer: built.analyzer, parameters: built.parameters, vocabulary: built.vocabulary,
                  postingOffsets: built.postingOffsets, postingDocuments: built.postingDocuments,
                  postingFrequencies: built.postingFrequencies, documentLengths: built.documentLengths,
                  documentIDs: built.documentIDs)
    }
}

/// A string hashed and compared by its UTF-8 bytes (Swift's `String ==` uses canonical equivalence, which would
/// merge terms that the byte-sorted vocabulary keeps apart).
struct ByteKey: Hashable {
    let string: String

    init(_ string: String) {
        var s = string
        s.makeContiguousUTF8()
        self.string = s
    }

    static func == (a: ByteKey, b: ByteKey) -> Bool { a.string.utf8.elementsEqual(b.string.utf8) }

    func hash(into hasher: inout Hasher) {
        var s = string
        s.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}
