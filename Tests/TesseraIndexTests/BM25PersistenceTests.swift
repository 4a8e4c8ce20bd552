import Foundation
import Testing
import TesseraIO
@testable import TesseraIndex

@Suite struct BM25PersistenceTests {
    static let documents: [(id: String, text: String)] = [
        ("a1", "Vitamin D deficiency is associated with an increased risk of fractures."),
        ("b2", "Randomised trials of vitamin supplements show no effect on fracture risk."),
        ("c3", "Bone mineral density and calcium intake in older adults."),
        ("d4", "Über die Knochendichte: ΟΣΤΑ and 骨密度 measurements"),
        ("e5", ""),
    ]
    static let queries = ["vitamin D fracture risk", "bone density", "calcium", "ΟΣΤΑ", "骨密度", "nothing here", "risk risk"]

    @Test func writeAndReloadGivesIdenticalResults() throws {
        let dir = makeTemporaryFolder()
        let built = try BM25Index(documents: Self.documents, parameters: BM25Parameters(k1: 1.2, b: 0.6))
        try built.write(to: dir + "/bm25")
        for verify in [true, false] {
            let loaded = try BM25Index(folder: dir + "/bm25", verifyChecksums: verify)
            #expect(loaded.parameters == BM25Parameters(k1: 1.2, b: 0.6))
            #expect(loaded.analyzer == built.analyzer)
            #expect(Array(loaded.vocabulary) == Array(built.vocabulary))
            #expect(Array(loaded.documentIDs) == ["a1", "b2", "c3", "d4", "e5"])
            #expect(Array(loaded.documentLengths) == Array(built.documentLengths))
            #expect(loaded.averageDocumentLength == built.averageDocumentLength)
            for q in Self.queries {
                #expect(loaded.search(q, topK: 10) == built.search(q, topK: 10), "\(q)")
            }
        }
        let manifest = try IndexFolder(path: dir + "/bm25").manifest
        #expect(manifest.kind == .bm25)
        #expect(manifest.counts["documents"] == 5)
        #expect(manifest.counts["terms"] == built.termCount)
        #expect(manifest.counts["postings"] == built.postingCount)
        #expect(Set(manifest.arrays.map(\.name)) == [
            "vocabulary.bytes", "vocabulary.offsets", "postings.offsets", "postings.documents", "postings.frequencies",
            "documents.lengths", "document_ids.bytes", "document_ids.offsets",
        ])
        // Rewriting the same destination replaces the index.
        let smaller = try BM25Index(documents: [("only", "vitamin")])
        try smaller.write(to: dir + "/bm25")
        let reloaded = try BM25Index(folder: dir + "/bm25")
        #expect(reloaded.documentCount == 1)
        #expect(reloaded.search("vitamin").map(\.document) == [0])
        #expect(folderContents(dir) == ["bm25"])
    }

    @Test func refusesOtherKindsAndInconsistentArrays() throws {
        let dir = makeTemporaryFolder()
        let dense = try IndexFolderWriter(destination: dir + "/dense", kind: .dense)
        try dense.commit()
        #expect { try BM25Index(folder: dir + "/dense") } throws: { ($0 as? IndexError)?.code == .wrongKind }

        // A well-formed folder whose postings point past the last document is refused (search reads unchecked).
        let index = try BM25Index(documents: Self.documents)
        let writer = try IndexFolderWriter(destination: dir + "/bad", kind: .bm25)
        writer.parameters = JSONObject([("k1", .number(1.5)), ("b", .number(0.75)), ("scoring", .string("lucene")),
                                        ("analyzer", index.analyzer.descriptor)])
        writer.counts = ["documents": index.documentCount, "terms": index.termCount, "postings": index.postingCount]
        try writer.addStrings("vocabulary", index.vocabulary)
        try writer.addArray("postings.offsets", index.postingOffsets)
        var docs = Array(index.postingDocuments)
        docs[docs.count - 1] = 99
        try writer.addArray("postings.documents", docs)
        try writer.addArray("postings.frequencies", index.postingFrequencies)
        try writer.addArray("documents.lengths", index.documentLengths)
        try writer.addDocumentIDs(index.documentIDs)
        try writer.commit()
        #expect { try BM25Index(folder: dir + "/bad") } throws: {
            guard let e = $0 as? IndexError else { return false }
            return e.code == .invalidArray && e.message.contains("postings.documents")
        }
    }

    @Test func corruptedPostingsFileIsDetected() throws {
        let dir = makeTemporaryFolder()
        try BM25Index(documents: Self.documents).write(to: dir + "/bm25")
        let file = dir + "/bm25/postings.frequencies.bin"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        bytes[0] ^= 0x80
        try bytes.write(to: URL(fileURLWithPath: file))
        #expect { try BM25Index(folder: dir + "/bm25") } throws: {
            guard let e = $0 as? IndexError else { return false }
            return e.code == .checksumMismatch && e.message.contains("postings.frequencies.bin")
        }
    }
}
