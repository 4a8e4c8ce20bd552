import Foundation
import Testing
import TesseraIO
import TesseraKernels
import TesseraTestSupport
@testable import TesseraIndex

/// Seeded values in [-1, 1).
private func randomVector(_ dimension: Int, seed: UInt64) -> [Float] {
    var g = SplitMix64(seed: seed)
    return (0..<dimension).map { _ in Float(Double(g.next() >> 11) / Double(1 << 53)) * 2 - 1 }
}

/// A seed per (id, version), so that a row and its query agree.
private func seed(_ id: String, _ version: Int) -> UInt64 {
    id.utf8.reduce(UInt64(version) &* 1_000_003) { $0 &* 31 &+ UInt64($1) }
}

/// The reference: every live row scored in double precision, best first, ties by id.
private func bruteForce(_ rows: [String: [Float]], query: [Float], width: Int, cosine: Bool, k: Int) -> [(String, Double)] {
    func dot(_ a: [Float], _ b: [Float]) -> Double { (0..<width).reduce(0) { $0 + Double(a[$1]) * Double(b[$1]) } }
    let scored = rows.map { id, v -> (String, Double) in
        cosine ? (id, dot(query, v) / (dot(query, query).squareRoot() * dot(v, v).squareRoot())) : (id, dot(query, v))
    }
    return Array(scored.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.prefix(k))
}

@Suite struct FlatVectorIndexTests {
    @Test(arguments: FlatVectorIndex.Metric.allCases)
    func keepsTheMutableIndexContract(metric: FlatVectorIndex.Metric) throws {
        let index = try FlatVectorIndex(dimension: 24, metric: metric)
        // Inner product: a row's own vector is its best match only if no other row is longer in that direction, so
        // rows are unit length there too.
        let violations = MutableIndexContract.violations(
            of: index, row: { IdentifiedVector(id: $0, vector: FlatVectorIndex.normalised(randomVector(24, seed: seed($0, $1)))) },
            query: { randomVector(24, seed: seed($0, $1)) }, hitID: \.id)
        #expect(violations.isEmpty, "\(violations)")
    }

    /// Adds, upserts and deletes in several batches, then every search (both metrics, full and Matryoshka widths,
    /// one and two threads) ranks as a brute-force double-precision scan of the live rows does.
    @Test(arguments: FlatVectorIndex.Metric.allCases)
    func searchesRankAsABruteForceScanOfTheLiveRows(metric: FlatVectorIndex.Metric) throws {
        let d = 32
        let index = try FlatVectorIndex(dimension: d, metric: metric)
        var live: [String: [Float]] = [:]
        for batch in 0..<5 {
            let rows = (0..<700).map { i in IdentifiedVector(id: "r\(batch * 700 + i)", vector: randomVector(d, seed: UInt64(batch * 700 + i + 1))) }
            try index.add(rows)
            for r in rows { live[r.id] = r.vector }
            let gone = stride(from: batch * 700, to: batch * 700 + 700, by: 7).map { "r\($0)" }
            #expect(try index.delete(ids: gone) == gone.count)
            for id in gone { live[id] = nil }
            let replaced = (0..<20).map { IdentifiedVector(id: "r\(batch * 700 + 1 + 7 * $0)", vector: randomVector(d, seed: UInt64(90_000 + batch * 20 + $0))) }
            try index.upsert(replaced)
            for r in replaced { live[r.id] = r.vector }
        }
        #expect(index.count == live.count)
        for q in 0..<6 {
            let query = randomVector(d, seed: UInt64(50_000 + q))
            for width in [d, 16, 8] {
                let expected = bruteForce(live, query: query, width: width, cosine: metric == .cosine, k: 25)
                var results: [[IdentifiedScore]] = []
                for threads in [1, 2] {
                    let got = try index.search(query, k: 25, parameters: FlatVectorSearchParameters(dimension: width, threads: threads))
                    results.append(got)
                    #expect(got.map(\.id) == expected.map(\.0), "query \(q) width \(width) threads \(threads)")
                    for (hit, want) in zip(got, expected) {
                        #expect(abs(Double(hit.score) - want.1) <= 1e-5 * max(1, abs(want.1)), "query \(q) width \(width)")
                    }
                }
                #expect(results[0] == results[1], "one and two threads give identical hits")
            }
        }
    }

    /// Written as a `dense` index folder and read back: the same rows, metric and results; writing again replaces
    /// the folder atomically; a failed write leaves the previous folder as it was.
    @Test func roundTripsThroughADenseIndexFolder() throws {
        let folder = makeTemporaryFolder() + "/flat"
        let index = try FlatVectorIndex(dimension: 8, metric: .innerProduct)
        try index.add((0..<50).map { IdentifiedVector(id: "v\($0)", vector: randomVector(8, seed: UInt64($0 + 7))) })
        try index.delete(ids: ["v3", "v10"])
        #expect(throws: IndexError.self) { try index.write(to: folder, model: .string("not an object")) }
        #expect(!FileManager.default.fileExists(atPath: folder))
        let model = JSONValue.object(JSONObject([(key: "name", value: .string("test-model"))]))
        try index.write(to: folder, model: model)

        let reopened = try FlatVectorIndex(folder: folder)
        #expect(reopened.metric == .innerProduct && reopened.dimension == 8 && reopened.count == 48)
        #expect(reopened.ids == index.ids)
        for id in index.ids { #expect(reopened.vector(id: id) == index.vector(id: id)) }
        let query = randomVector(8, seed: 99)
        #expect(try reopened.search(query, k: 10) == index.search(query, k: 10))
        let manifest = try IndexFolder(path: folder).manifest
        #expect(manifest.kind == .dense && manifest.model == model && manifest.counts["documents"] == 48)

        // Change it and write again: the folder holds the new rows.
        try reopened.add([IdentifiedVector(id: "new", vector: randomVector(8, seed: 5))])
        try reopened.write(to: folder)
        #expect(try FlatVectorIndex(folder: folder).contains(id: "new"))

        // An empty index is refused, and the folder stays the last good one.
        let empty = try FlatVectorIndex(dimension: 8)
        #expect(throws: IndexError.self) { try empty.write(to: folder) }
        #expect(try FlatVectorIndex(folder: folder).count == 49)
        #expect(!folderContents((folder as NSString).deletingLastPathComponent).contains { $0.contains(".tmp") })
    }

    /// A `dense` folder written by another writer (no metric recorded) opens with the metric asked for; an unknown
    /// recorded metric and ids repeated in the folder are refused.
    @Test func opensDenseFoldersOfOtherWriters() throws {
        let root = makeTemporaryFolder()
        func write(_ name: String, ids: [String], metric: String?) throws -> String {
            let w = try IndexFolderWriter(destination: root + "/" + name, kind: .dense)
            try w.addArray(DenseVectorTable.ArrayName.vectors, ids.indices.flatMap { randomVector(4, seed: UInt64($0 + 1)) })
            try w.addDocumentIDs(ids)
            w.dimension = 4
            w.counts = ["documents": ids.count]
            if let metric { w.parameters = JSONObject([(key: "metric", value: .string(metric))]) }
            try w.commit()
            return root + "/" + name
        }
        let plain = try write("plain", ids: ["a", "b", "c"], metric: nil)
        #expect(try FlatVectorIndex(folder: plain, metric: .innerProduct).metric == .innerProduct)
        #expect(try FlatVectorIndex(folder: plain).metric == .cosine)
        let odd = try write("odd", ids: ["a", "b"], metric: "manhattan")
        #expect { try FlatVectorIndex(folder: odd) } throws: { ($0 as? IndexError)?.message.contains("unknown metric") == true }
    }

    /// Bad rows and queries get clear errors and change nothing.
    @Test func refusesBadInput() throws {
        #expect(throws: IndexError.self) { try FlatVectorIndex(dimension: 0) }
        let index = try FlatVectorIndex(dimension: 4)
        try index.add([IdentifiedVector(id: "ok", vector: [1, 0, 0, 0])])
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "" } catch { return "\(error)" }
        }
        #expect(message { try index.add([IdentifiedVector(id: "x", vector: [1, 2, 3])]) }.contains("3 values"))
        #expect(message { try index.add([IdentifiedVector(id: "x", vector: [1, .nan, 0, 0])]) }.contains("not finite"))
        #expect(message { try index.add([IdentifiedVector(id: "x", vector: [0, 0, 0, 0])]) }.contains("all zeros"))
        #expect(message { try index.add([IdentifiedVector(id: "", vector: [1, 0, 0, 0])]) }.contains("empty id"))
        #expect(index.count == 1)
        #expect(message { _ = try index.search([1, 0, 0, 0], k: 0) }.contains("k must be"))
        #expect(message { _ = try index.search([1, 0], k: 1) }.contains("2 values"))
        #expect(message { _ = try index.search([1, 0, 0, 0], k: 1, parameters: FlatVectorSearchParameters(dimension: 5)) }.contains("between 1 and"))
        #expect(message { _ = try index.search([0, 0, 1, 0], k: 1, parameters: FlatVectorSearchParameters(dimension: 2)) }.contains("all zeros"))
        #expect(message { _ = try index.search([1, 0, 0, 0], k: 1, parameters: FlatVectorSearchParameters(threads: 0)) }.contains("threads"))
        #expect(try FlatVectorIndex(dimension: 4).search([1, 0, 0, 0], k: 3).isEmpty)
    }

    /// A search that started before a write sees the rows as they were: writes publish a new snapshot.
    @Test func searchesSeeWholeBatchesWhileWritesGoOn() async throws {
        let index = try FlatVectorIndex(dimension: 8)
        let batches = 40, size = 25
        let writer = Task {
            for b in 0..<batches {
                try index.add((0..<size).map { IdentifiedVector(id: "b\(b)-\($0)", vector: randomVector(8, seed: UInt64(b * size + $0 + 1))) })
            }
        }
        var sawPartial = false
        while !writer.isCancelled {
            let hits = try index.search(randomVector(8, seed: 3), k: batches * size)
            var perBatch: [Substring: Int] = [:]
            for hit in hits { perBatch[hit.id.split(separator: "-")[0], default: 0] += 1 }
            if perBatch.values.contains(where: { $0 != size }) { sawPartial = true }
            if hits.count == batches * size { break }
        }
        try await writer.value
        #expect(!sawPartial, "a search saw part of a batch")
        #expect(index.count == batches * size)
    }
}
