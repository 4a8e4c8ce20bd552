import TesseraIO

/// BM25 index folders (kind `bm25`).
///
/// Arrays: `vocabulary` (strings: UTF-8 blob + offsets, byte-sorted), `postings.offsets` (int64, terms + 1),
/// `postings.documents` (int32), `postings.frequencies` (uint32), `documents.lengths` (uint32) and the shared
/// `document_ids` (strings). Manifest parameters: `k1`, `b`, `scoring` ("lucene") and `analyzer` (the
/// ``TextAnalyzer/descriptor``); counts: `documents`, `terms`, `postings`, `tokens`.
extension BM25Index {
    static let scoringName = "lucene"

    /// Writes the index as a folder at `path` (atomically; an older index there is replaced only once the new one
    /// is complete).
    public func write(to path: String) throws(IndexError) {
        let writer = try IndexFolderWriter(destination: path, kind: .bm25)
        writer.parameters = JSONObject([
            ("k1", .number(parameters.k1)),
            ("b", .number(parameters.b)),
            ("scoring", .string(Self.scoringName)),
            ("analyzer", analyzer.descriptor),
        ])
        var tokens = 0
        for length in documentLengths.buffer { tokens += Int(length) }
        writer.counts = ["documents": documentCount, "terms": termCount, "postings": postingCount, "tokens": tokens]
        try writer.addStrings("vocabulary", vocabulary)
        try writer.addArray("postings.offsets", postingOffsets)
        try writer.addArray("postings.documents", postingDocuments)
        try writer.addArray("postings.frequencies", postingFrequencies)
        try writer.addArray("documents.lengths", documentLengths)
        try writer.addDocumentIDs(documentIDs)
        try writer.commit()
    }

    /// Opens a BM25 index folder written by ``write(to:)``: arrays are memory-mapped, nothing is re-analysed.
    /// Checksums are verified unless `verifyChecksums` is false; the structure (sorted vocabulary, offsets,
    /// document indexes in range) is always checked.
    public convenience init(folder path: String, verifyChecksums: Bool = true) throws(IndexError) {
        try self.init(folder: try IndexFolder(path: path, kind: .bm25, verifyChecksums: verifyChecksums))
    }

    /// Reads a BM25 index from an opened folder.
    public convenience init(folder: IndexFolder) throws(IndexError) {
        let manifestPath = folder.path + "/" + IndexManifest.fileName
        guard folder.manifest.kind == .bm25 else {
            throw IndexError(.wrongKind, "\(folder.path) holds a \(folder.manifest.kind) index, expected a bm25 index")
        }
        let p = folder.manifest.parameters
        guard let k1 = p["k1"]?.doubleValue, let b = p["b"]?.doubleValue, let analyzerValue = p["analyzer"] else {
            throw IndexError(.invalidManifest, "\(manifestPath): bm25 parameters need k1, b and analyzer")
        }
        guard p["scoring"]?.stringValue == Self.scoringName else {
            throw IndexError(.invalidManifest, "\(manifestPath): unknown bm25 scoring \(p["scoring"].map { String(decoding: JSONWriter.encode($0), as: UTF8.self) } ?? "(missing)")")
        }
        let analyzer = try TextAnalyzer(descriptor: analyzerValue, source: manifestPath)
        let documents = try folder.count("documents"), terms = try folder.count("terms"), postings = try folder.count("postings")

        let vocabulary = try folder.strings("vocabulary")
        guard vocabulary.count == terms else {
            throw IndexError(.invalidArray, "\(folder.path)/vocabulary: \(vocabulary.count) terms, the manifest says \(terms)")
        }
        guard vocabulary.isStrictlySorted else {
            throw IndexError(.invalidArray, "\(folder.path)/vocabulary: terms are not strictly sorted")
        }
        let offsets = try folder.array("postings.offsets", as: Int64.self, count: terms + 1)
        let docs = try folder.array("postings.documents", as: Int32.self, count: postings)
        let freqs = try folder.array("postings.frequencies", as: UInt32.self, count: postings)
        let lengths = try folder.array("documents.lengths", as: UInt32.self, count: documents)
        let ids = try folder.documentIDs()
        guard ids.count == documents else {
            throw IndexError(.invalidArray, "\(folder.path)/document_ids: \(ids.count) ids, the manifest says \(documents) documents")
        }
        try Self.validatePostings(offsets: offsets, documents: docs, frequencies: freqs, documentCount: documents,
                                  folder: folder.path)
        self.init(analyzer: analyzer, parameters: BM25Parameters(k1: k1, b: b), vocabulary: vocabulary,
                  postingOffsets: offsets, postingDocuments: docs, postingFrequencies: freqs,
                  documentLengths: lengths, documentIDs: ids)
    }

    /// Offsets start at 0, never decrease and end at the posting count; within a term, document indexes increase
    /// and lie in `0..<documentCount`; frequencies are ≥ 1. (Search reads these arrays without bounds checks.)
    private static func validatePostings(offsets: IndexArray<Int64>, documents: IndexArray<Int32>,
                                         frequencies: IndexArray<UInt32>, documentCount: Int,
                                         folder: String) throws(IndexError) {
        let o = offsets.buffer, d = documents.buffer, f = frequencies.buffer
        guard o.first == 0, o.last == Int64(d.count) else {
            throw IndexError(.invalidArray, "\(folder)/postings.offsets.bin: must start at 0 and end at \(d.count)")
        }
        for t in 0..<(o.count - 1) {
            let start = Int(o[t]), end = Int(o[t + 1])
            guard start <= end else {
                throw IndexError(.invalidArray, "\(folder)/postings.offsets.bin: offsets decrease at term \(t)")
            }
            var previous: Int32 = -1
            for p in start..<end {
                let doc = d[p]
                guard doc > previous, Int(doc) < documentCount else {
                    throw IndexError(.invalidArray,
                                     "\(folder)/postings.documents.bin: posting \(p) (term \(t)) has document \(doc), out of order or not below \(documentCount)")
                }
                guard f[p] >= 1 else {
                    throw IndexError(.invalidArray, "\(folder)/postings.frequencies.bin: posting \(p) has frequency 0")
                }
                previous = doc
            }
        }
    }
}
