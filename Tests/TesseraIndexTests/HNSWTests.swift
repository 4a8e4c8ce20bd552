import Dispatch
import Foundation
import TesseraKernels
import Testing
import TesseraIO
@testable import TesseraIndex

/// Seeded clustered, L2-normalised vectors with a low intrinsic dimension, like text embeddings: `clusters` random
/// centres, each point its centre plus `spread` times a shared random map of a `latent`-dimensional Gaussian, plus a
/// little isotropic noise. (Isotropic noise in all dimensions would make exact neighbours nearly random, hard for any
/// graph index and unlike real embeddings.)
struct ClusteredVectors {
    let count: Int
    let dimension: Int
    var values: [Float]

    init(count: Int, dimension: Int, clusters: Int, spread: Float, seed: UInt64, latent: Int = 8, structureSeed: UInt64 = 1) {
        self.count = count
        self.dimension = dimension
        // Centres and the latent map come from `structureSeed` (shared by base and queries), points from `seed`.
        var rng = SplitMix64(seed: structureSeed)
        func uniform() -> Double { Double((rng.next() >> 11) + 1) * 0x1p-53 }
        func gaussian() -> Float {
            Float((-2 * Foundation.log(uniform())).squareRoot() * Foundation.cos(2 * Double.pi * uniform()))
        }
        var centres = [Float](repeating: 0, count: clusters * dimension)
        for i in centres.indices { centres[i] = gaussian() / Float(dimension).squareRoot() }
        var map = [Float](repeating: 0, count: dimension * latent)
        for i in map.indices { map[i] = gaussian() / Float(latent).squareRoot() }
        rng = SplitMix64(seed: seed)
        values = [Float](repeating: 0, count: count * dimension)
        var z = [Float](repeating: 0, count: latent)
        for v in 0..<count {
            let c = Int(rng.next() % UInt64(clusters))
            for j in 0..<latent { z[j] = gaussian() }
            var norm: Float = 0
            for j in 0..<dimension {
                var x = centres[c * dimension + j] + 0.02 * gaussian() / Float(dimension).squareRoot()
                for t in 0..<latent { x += spread * map[j * latent + t] * z[t] }
                values[v * dimension + j] = x
                norm += x * x
            }
            let inv = 1 / norm.squareRoot()
            for j in 0..<dimension { values[v * dimension + j] *= inv }
        }
    }

    /// Exact top-`k` ids of vector `query` (of dimension `dimension`) by inner product, best first.
    func exactTop(_ query: UnsafePointer<Float>, k: Int) -> [Int32] {
        var scored: [(Float, Int32)] = []
        scored.reserveCapacity(count)
        values.withUnsafeBufferPointer { b in
            for d in 0..<count {
                var s: Float = 0
                for j in 0..<dimension { s += query[j] * b[d * dimension + j] }
                scored.append((s, Int32(d)))
            }
        }
        scored.sort { $0.0 > $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
        return scored.prefix(k).map(\.1)
    }
}

@Suite struct HNSWTests {
    static let base = ClusteredVectors(count: 6_000, dimension: 48, clusters: 60, spread: 0.5, seed: 7)
    static let queries = ClusteredVectors(count: 200, dimension: 48, clusters: 60, spread: 0.5, seed: 7_000_001)

    /// One graph over `base` with the default parameters, built once on 2 threads and shared by the tests that only read it.
    static let graph: HNSWGraph = base.values.withUnsafeBufferPointer {
        HNSWGraph.build(vectors: $0.baseAddress!, count: base.count, dimension: base.dimension, parameters: HNSWParameters(),
                        threads: 2)
    }

    func build(_ data: ClusteredVectors, parameters: HNSWParameters = HNSWParameters(), threads: Int = 2) -> HNSWGraph {
        data.values.withUnsafeBufferPointer {
            HNSWGraph.build(vectors: $0.baseAddress!, count: data.count, dimension: data.dimension, parameters: parameters,
                            threads: threads)
        }
    }

    func searchAll(_ graph: HNSWGraph, k: Int = 10, efSearch: Int? = nil) -> [[Int32]] {
        let base = Self.base, queries = Self.queries
        return (0..<queries.count).map { q in
            queries.values.withUnsafeBufferPointer { qb in
                base.values.withUnsafeBufferPointer { bb in
                    graph.search(qb.baseAddress! + q * queries.dimension, vectors: bb.baseAddress!, k: k, efSearch: efSearch).map(\.id)
                }
            }
        }
    }

    func recall(_ found: [[Int32]], k: Int = 10) -> Double {
        let base = Self.base, queries = Self.queries
        var hits = 0
        for q in 0..<queries.count {
            let truth = queries.values.withUnsafeBufferPointer { base.exactTop($0.baseAddress! + q * queries.dimension, k: k) }
            hits += found[q].filter { truth.contains($0) }.count
        }
        return Double(hits) / Double(queries.count * k)
    }

    @Test func recallAtDefaultEfSearch() {
        let graph = Self.graph
        let found = searchAll(graph)
        #expect(found.allSatisfy { $0.count == 10 })
        let r = recall(found)
        #expect(r >= 0.99, "recall@10 \(r) at efSearch \(graph.parameters.efSearch)")
        // Results come best first with their inner products.
        let first = Self.queries.values.withUnsafeBufferPointer { q in
            Self.base.values.withUnsafeBufferPointer { b in graph.search(q.baseAddress!, vectors: b.baseAddress!, k: 10) }
        }
        #expect(zip(first, first.dropFirst()).allSatisfy { $0.score >= $1.score })
        let expected: Float = (0..<48).reduce(0) { $0 + Self.queries.values[$1] * Self.base.values[Int(first[0].id) * 48 + $1] }
        #expect(abs(first[0].score - expected) < 1e-4)
    }

    @Test func structureHoldsInvariants() {
        let graph = Self.graph
        let p = graph.parameters
        #expect(graph.maxLevel == graph.level(of: Int(graph.entryPoint)))
        var levelCounts = [Int](repeating: 0, count: graph.maxLevel + 1)
        for node in 0..<graph.count {
            let level = graph.level(of: node)
            levelCounts[level] += 1
            for l in 0...level {
                let links = graph.neighbours(of: node, level: l)
                #expect(links.count <= (l == 0 ? 2 * p.m : p.m))
                #expect(Set(links).count == links.count && !links.contains(Int32(node)))
                #expect(links.allSatisfy { graph.level(of: Int($0)) >= l })
            }
            #expect(!graph.neighbours(of: node, level: 0).isEmpty)
        }
        // Level sizes fall roughly by a factor M (m_L = 1 / ln M).
        #expect(levelCounts.count >= 2 && Double(levelCounts[1]) > Double(graph.count) / Double(p.m) * 0.7
                && Double(levelCounts[1]) < Double(graph.count) / Double(p.m) * 1.3)
    }

    @Test func singleThreadBuildIsDeterministic() {
        let small = ClusteredVectors(count: 1_500, dimension: 16, clusters: 20, spread: 0.2, seed: 3)
        let a = build(small, threads: 1), b = build(small, threads: 1)
        #expect(Array(a.links0) == Array(b.links0))
        #expect(Array(a.upperLinks) == Array(b.upperLinks))
        #expect(Array(a.upperOffsets) == Array(b.upperOffsets))
        #expect(a.entryPoint == b.entryPoint)
        // A different seed draws other levels.
        let c = small.values.withUnsafeBufferPointer {
            HNSWGraph.build(vectors: $0.baseAddress!, count: small.count, dimension: small.dimension,
                            parameters: HNSWParameters(seed: 43), threads: 1)
        }
        #expect(Array(a.upperOffsets) != Array(c.upperOffsets))
    }

    @Test func tinyGraphs() {
        let empty = HNSWGraph.build(vectors: [Float(0)].withUnsafeBufferPointer { $0.baseAddress! }, count: 0, dimension: 1,
                                    parameters: HNSWParameters(), threads: 2)
        let query: [Float] = [1, 0]
        #expect(empty.search([Float(1)], vectors: [Float(1)], k: 3).isEmpty)
        let two: [Float] = [1, 0, 0, 1]
        let graph = HNSWGraph.build(vectors: two, count: 2, dimension: 2, parameters: HNSWParameters(), threads: 2)
        let result = graph.search(query, vectors: two, k: 5)
        #expect(result.map(\.id) == [0, 1])
        #expect(result.map(\.score) == [1, 0])
        #expect(graph.search(query, vectors: two, k: 0).isEmpty)
    }

    @Test func concurrentQueriesMatchSequential() {
        let graph = Self.graph
        let sequential = searchAll(graph, k: 10, efSearch: 40)
        let base = Self.base, queries = Self.queries
        final class Results: @unchecked Sendable { var rows: [[Int32]]; init(_ n: Int) { rows = Array(repeating: [], count: n) } }
        let parallel = Results(queries.count)
        let lock = NSLock()
        // Several rounds with more threads than cores, so scratch objects are shared and reused across threads.
        for _ in 0..<3 {
            DispatchQueue.concurrentPerform(iterations: 8) { worker in
                var q = worker
                while q < queries.count {
                    let ids = queries.values.withUnsafeBufferPointer { qb in
                        base.values.withUnsafeBufferPointer { bb in
                            graph.search(qb.baseAddress! + q * queries.dimension, vectors: bb.baseAddress!, k: 10, efSearch: 40).map(\.id)
                        }
                    }
                    lock.lock()
                    parallel.rows[q] = ids
                    lock.unlock()
                    q += 8
                }
            }
            #expect(parallel.rows == sequential)
        }
    }

    func writeGraph(_ graph: HNSWGraph, to path: String) throws {
        let writer = try IndexFolderWriter(destination: path, kind: .hnsw)
        writer.dimension = graph.dimension
        writer.counts = ["documents": graph.count]
        writer.parameters = JSONObject([("note", .string("kept"))])
        try graph.write(into: writer)
        try writer.commit()
    }

    @Test func roundTripThroughIndexFolder() throws {
        let graph = Self.graph
        let path = makeTemporaryFolder() + "/hnsw"
        try writeGraph(graph, to: path)
        let folder = try IndexFolder(path: path, kind: .hnsw)
        #expect(HNSWGraph.isPresent(in: folder))
        #expect(folder.manifest.parameters["note"]?.stringValue == "kept")
        let stored = try #require(folder.manifest.parameters["hnsw"]?.objectValue)
        #expect(stored["m"]?.intValue == 16 && stored["ef_construction"]?.intValue == 200 && stored["ef_search"]?.intValue == 64)
        let loaded = try HNSWGraph(folder: folder)
        #expect(loaded.parameters == graph.parameters)
        #expect(loaded.entryPoint == graph.entryPoint && loaded.maxLevel == graph.maxLevel && loaded.count == graph.count)
        #expect(Array(loaded.links0) == Array(graph.links0))
        #expect(searchAll(loaded) == searchAll(graph))
        #expect(searchAll(loaded, k: 5, efSearch: 200) == searchAll(graph, k: 5, efSearch: 200))
    }

    @Test func isPresentIsFalseWithoutGraph() throws {
        let path = makeTemporaryFolder() + "/plain"
        let writer = try IndexFolderWriter(destination: path, kind: .dense)
        try writer.addArray("vectors", [Float(1)])
        try writer.commit()
        let folder = try IndexFolder(path: path)
        #expect(!HNSWGraph.isPresent(in: folder))
        #expect(throws: IndexError.self) { try HNSWGraph(folder: folder) }
    }

    /// Overwrites the Int32 at `index` of `file` in place.
    func patch(_ file: String, index: Int, value: Int32) throws {
        let handle = try #require(FileHandle(forUpdatingAtPath: file))
        try handle.seek(toOffset: UInt64(index * 4))
        var v = value.littleEndian
        try handle.write(contentsOf: Data(bytes: &v, count: 4))
        try handle.close()
    }

    @Test func corruptedAdjacencyIsDetectedAtOpen() throws {
        let small = ClusteredVectors(count: 2_000, dimension: 16, clusters: 20, spread: 0.2, seed: 5)
        let graph = build(small)
        let stride0 = 2 * graph.parameters.m + 1

        // A neighbour id out of range.
        var path = makeTemporaryFolder() + "/bad-id"
        try writeGraph(graph, to: path)
        try patch(path + "/hnsw_links0.bin", index: 10 * stride0 + 1, value: Int32(small.count + 5))
        // With checksums: the file's SHA-256 no longer matches.
        #expect { try IndexFolder(path: path) } throws: { ($0 as? IndexError)?.code == .checksumMismatch }
        // Without checksums, the structural check still refuses it and names the file.
        var folder = try IndexFolder(path: path, verifyChecksums: false)
        #expect { try HNSWGraph(folder: folder) } throws: {
            guard let e = $0 as? IndexError else { return false }
            return e.code == .invalidArray && e.message.contains("hnsw_links0.bin") && e.message.contains("node 10")
        }

        // A list longer than its cap.
        path = makeTemporaryFolder() + "/bad-count"
        try writeGraph(graph, to: path)
        try patch(path + "/hnsw_links0.bin", index: 3 * stride0, value: Int32(stride0))
        folder = try IndexFolder(path: path, verifyChecksums: false)
        #expect { try HNSWGraph(folder: folder) } throws: { ($0 as? IndexError)?.code == .invalidArray }

        // An upper-level link to a node that does not reach that level.
        let upperNode = try #require((0..<graph.count).first { graph.level(of: $0) >= 1 && !graph.neighbours(of: $0, level: 1).isEmpty })
        let levelZeroNode = try #require((0..<graph.count).first { graph.level(of: $0) == 0 })
        path = makeTemporaryFolder() + "/bad-level"
        try writeGraph(graph, to: path)
        let row = Int(graph.upperOffsets[upperNode])  // level 1 row of upperNode
        try patch(path + "/hnsw_upper_links.bin", index: row * (graph.parameters.m + 1) + 1, value: Int32(levelZeroNode))
        folder = try IndexFolder(path: path, verifyChecksums: false)
        #expect { try HNSWGraph(folder: folder) } throws: {
            guard let e = $0 as? IndexError else { return false }
            return e.code == .invalidArray && e.message.contains("hnsw_upper_links.bin")
        }

        // Levels inconsistent with the entry point (offsets edited so another node is highest).
        path = makeTemporaryFolder() + "/bad-offsets"
        try writeGraph(graph, to: path)
        let offsetsFile = path + "/hnsw_upper_offsets.bin"
        var offsets = Array(graph.upperOffsets)
        offsets[5] = offsets[6] + 1  // decreasing: node 4 gets a negative level
        try Data(bytes: offsets, count: offsets.count * 8).write(to: URL(fileURLWithPath: offsetsFile))
        folder = try IndexFolder(path: path, verifyChecksums: false)
        #expect { try HNSWGraph(folder: folder) } throws: { ($0 as? IndexError)?.code == .invalidArray }

        // The untouched graph opens and searches as built.
        path = makeTemporaryFolder() + "/good"
        try writeGraph(graph, to: path)
        let reopened = try HNSWGraph(folder: try IndexFolder(path: path))
        #expect(Array(reopened.upperLinks) == Array(graph.upperLinks))
    }
}
