import Foundation
import Testing
import TesseraIndex
import TesseraSearch
import TesseraTestSupport
@testable import TesseraCollections

/// Words that no two ids or versions share, so that a row's own text is its best match in every mode.
private let words = ["a": "apricot", "b": "blueberry", "c": "cherry", "d": "damson", "e": "elderberry", "f": "fig", "absent": "none"]
private let versions = ["alpha", "bravo", "charlie"]

private func text(_ id: String, _ version: Int) -> String {
    "\(words[id] ?? id) \(versions[version % versions.count]) \(words[id] ?? id)\(versions[version % versions.count])"
}

@Suite struct CollectionContractTests {
    /// A collection keeps the contract of every ``MutableIndex`` (the one ``FlatVectorIndex`` keeps too), searched
    /// with BM25 (the tiny test model's vectors are random, so no dense ranking is certain), and what it acknowledged
    /// is there when it is opened again through the protocol.
    @Test func keepsTheMutableIndexContract() throws {
        let scratch = Scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch.root) }
        var options = CollectionOptions()
        options.mergeThreshold = 0
        var ids: [String] = []
        do {
            let c = try scratch.create([.bm25], options: options)
            let violations = MutableIndexContract.violations(
                of: c, parameters: CollectionSearchParameters(mode: .bm25),
                row: { CollectionDocument(id: $0, text: text($0, $1)) }, query: { text($0, $1) }, hitID: \.id)
            #expect(violations.isEmpty, "\(violations)")
            #expect(c.defaultParameters.mode == .bm25)
            #expect(try scratch.create([.dense, .tokens], options: options, at: scratch.root + "/v").defaultParameters.mode == .xtr)
            ids = c.documentIDs.sorted()
        }
        let reopened = try DocumentCollection.open(at: scratch.path)
        #expect(reopened.documentIDs.sorted() == ids && ids.count == 4)
        #expect(reopened.document(id: "b")?.text == text("b", 1))
    }
}
