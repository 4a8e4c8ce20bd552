import CTesseraKernels
import Foundation
import TesseraKernels
import Testing
import TesseraIO
@testable import TesseraIndex

/// Random unit vectors around `clusters` well separated centres (deterministic).
func clusteredVectors(count: Int, dimension d: Int, clusters: Int, noise: Float, seed: UInt64) -> (vectors: [Float], labels: [Int]) {
    var rng = SplitMix64(seed: seed)
    func uniform() -> Float { Float(rng.next() >> 40) / Float(1 << 24) * 2 - 1 }
    var centres = [Float](repeating: 0, count: clusters * d)
    for c in 0..<clusters { centres[c * d + (c % d)] = 1; centres[c * d + ((c + 1) % d)] = c >= d ? 0.5 : 0 }
    var out = [Float](repeating: 0, count: count * d)
    var labels = [Int](repeating: 0, count: count)
    for i in 0..<count {
        let c = i % clusters
        labels[i] = c
        var norm: Float = 0
        for j in 0..<d { out[i * d + j] = centres[c * d + j] + noise * uniform(); norm += out[i * d + j] * out[i * d + j] }
        for j in 0..<d { out[i * d + j] /= norm.squareRoot() }
    }
    return (out, labels)
}

/// Builds a WARP index of `documents` documents with random token counts into `path`.
@discardableResult
func buildSmallWARPIndex(path: String, documents: Int, dimension d: Int, parameters: WARPBuildParameters, seed: UInt64 = 3)
    throws -> (vectors: [Float], offsets: [Int], ids: [Int32]) {
    var rng = SplitMix64(seed: seed)
    var offsets = [0]
    for _ in 0..<documents { offsets.append(offsets.last! + 3 + Int(rng.next() % 9)) }
    let (vectors, _) = clusteredVectors(count: offsets.last!, dimension: d, clusters: 12, noise: 0.6, seed: seed)
    let ids = (0..<offsets.last!).map { _ in Int32(rng.next() % 40) }
    let builder = try WARPIndexBuilder(destination: path, dimension: d, parameters: parameters)
    for doc in 0..<documents {
        try vectors.withUnsafeBufferPointer { v in
            try builder.add(documentID: "doc\(doc)", vectors: UnsafeBufferPointer(rebasing: v[(offsets[doc] * d)..<(offsets[doc + 1] * d)]),
                            tokenIds: Array(ids[offsets[doc]..<offsets[doc + 1]]))
        }
    }
    _ = try builder.finish(model: .object(JSONObject([("name", .string("test"))])), parameters: JSONObject(),
                           titles: (0..<documents).map { "t\($0)" }, texts: (0..<documents).map { "text \($0)" })
    return (vectors, offsets, ids)
}

@Suite struct WARPCodecTests {
    @Test(arguments: [2, 4]) func codesPackAndUnpack(bits: Int) {
        for d in [16, 48, 64, 128, 384] {
            var rng = SplitMix64(seed: UInt64(d))
            let codes = (0..<d).map { _ in UInt8(rng.next() % UInt64(1 << bits)) }
            var packed = [UInt8](repeating: 0, count: tw_code_bytes(d, Int32(bits)))
            tw_pack_codes(codes, d, Int32(bits), &packed)
            var back = [UInt8](repeating: 0, count: d)
            tw_unpack_codes(packed, d, Int32(bits), &back)
            #expect(back == codes)
            #expect(packed.count == (d * bits + 127) / 128 * 16)
        }
    }

    @Test(arguments: [2, 4]) func roundTripErrorIsBoundedByTheBuckets(bits: Int) {
        var rng = SplitMix64(seed: 11)
        let d = 96, n = 500
        let residuals = (0..<(n * d)).map { _ in Float(Int(rng.next() % 2001) - 1000) / 10_000 }  // uniform in [-0.1, 0.1]
        let codec = ResidualCodec.train(bits: bits, dimension: d, residuals: residuals)
        #expect(codec.cutoffs == codec.cutoffs.sorted())
        #expect(codec.weights == codec.weights.sorted())
        var codes = [UInt8](repeating: 0, count: n * codec.codeBytes)
        codec.encode(residuals: residuals, count: n, into: &codes)
        let width = 0.2 / Float(1 << bits)
        var squared: Float = 0
        for t in 0..<n {
            let decoded = codes.withUnsafeBufferPointer { codec.decode(codes: $0.baseAddress! + t * codec.codeBytes) }
            for j in 0..<d {
                let error = abs(decoded[j] - residuals[t * d + j])
                #expect(error <= width * 0.5 + 2e-3)  // each value decodes to the middle of its quantile bucket
                squared += error * error
            }
        }
        let rms = (squared / Float(n * d)).squareRoot()
        #expect(rms < width * 0.4)
    }

    @Test(arguments: [2, 4]) func scoringKernelMatchesDecoding(bits: Int) {
        for d in [40, 64, 100, 384, 416] {
            var rng = SplitMix64(seed: UInt64(bits * 1000 + d))
            let residuals = (0..<(33 * d)).map { _ in Float(Int(rng.next() % 2001) - 1000) / 5000 }
            let codec = ResidualCodec.train(bits: bits, dimension: d, residuals: residuals)
            var codes = [UInt8](repeating: 0, count: 33 * codec.codeBytes)
            codec.encode(residuals: residuals, count: 33, into: &codes)
            var q = (0..<codec.paddedDimension).map { _ in Float(Int(rng.next() % 2001) - 1000) / 1000 }
            for j in d..<codec.paddedDimension { q[j] = 0 }
            var prepared = [Float](repeating: .nan, count: tw_prepared_query_count(codec.paddedDimension, Int32(bits)))
            tw_prepare_query(q, codec.paddedDimension, Int32(bits), &prepared)
            #expect(prepared.allSatisfy { !$0.isNaN })
            let expected: [Float] = (0..<33).map { t in
                let decoded = codes.withUnsafeBufferPointer { codec.decode(codes: $0.baseAddress! + t * codec.codeBytes) }
                var e: Float = 0.25
                for j in 0..<d { e += q[j] * decoded[j] }
                return e
            }
            // Every count exercises the 4- and 2-token blocks and the single-token tail.
            for count in [1, 2, 3, 4, 5, 33] {
                var out = [Float](repeating: .nan, count: count)
                codec.weights.withUnsafeBufferPointer { w in
                    tw_score_codes(prepared, codec.paddedDimension, Int32(bits), w.baseAddress!, codes, count, 0.25, &out)
                }
                for t in 0..<count { #expect(abs(out[t] - expected[t]) < 1e-3) }
            }
        }
    }
}

@Suite struct WARPKMeansTests {
    /// The bfloat16-screened assignment finds the fp32 nearest centroid: its inner product (in double) is never
    /// below the plain GEMM + argmax choice's, for odd dimensions, partial centroid panels and blocks of points.
    @Test(arguments: [(2000, 300, 64), (700, 33, 7), (1500, 1000, 384)], [CentroidScreening.bfloat16, .int16])
    func screenedAssignmentFindsTheNearestCentroid(shape: (Int, Int, Int), screening: CentroidScreening) {
        let (count, k, d) = shape
        var rng = SplitMix64(seed: UInt64(count + k + d))
        func unitRows(_ n: Int) -> [Float] {
            var v = (0..<(n * d)).map { _ in Float(rng.next() >> 40) / Float(1 << 24) * 2 - 1 }
            for r in 0..<n {
                var norm: Float = 0
                for j in 0..<d { norm += v[r * d + j] * v[r * d + j] }
                for j in 0..<d { v[r * d + j] /= norm.squareRoot() }
            }
            return v
        }
        let points = unitRows(count), centroids = unitRows(k)
        var screened = [Int32](repeating: -1, count: count), plain = [Int32](repeating: -1, count: count)
        var screenedScores = [Float](repeating: 0, count: count)
        centroids.withUnsafeBufferPointer { c in
            points.withUnsafeBufferPointer { p in
                let assigner = Assigner(centroids: c.baseAddress!, k: k, dimension: d, threads: 2, screening: screening)
                #expect(assigner.screening == (screening.isAvailable ? screening : .none))
                assigner.assign(points: p.baseAddress!, count: count, into: &screened, scores: &screenedScores)
                Assigner(centroids: c.baseAddress!, k: k, dimension: d, threads: 2, screening: .none)
                    .assign(points: p.baseAddress!, count: count, into: &plain, scores: nil)
            }
        }
        func exact(_ i: Int, _ c: Int32) -> Double {
            (0..<d).reduce(0.0) { $0 + Double(points[i * d + $1]) * Double(centroids[Int(c) * d + $1]) }
        }
        var differing = 0
        for i in 0..<count {
            #expect(screened[i] >= 0 && screened[i] < Int32(k))
            #expect(exact(i, screened[i]) >= exact(i, plain[i]) - 1e-6)
            #expect(abs(Double(screenedScores[i]) - exact(i, screened[i])) < 1e-5)
            if screened[i] != plain[i] { differing += 1 }
        }
        #expect(differing <= count / 1000)  // only exact-score near-ties may resolve differently
    }

    @Test func separatesWellSeparatedClusters() {
        let d = 32, k = 8
        let (points, labels) = clusteredVectors(count: 2000, dimension: d, clusters: k, noise: 0.2, seed: 5)
        let centroids = points.withUnsafeBufferPointer {
            KMeans.train(points: $0.baseAddress!, count: 2000, dimension: d, k: k, iterations: 10, threads: 2, seed: 1)
        }
        var assignment = [Int32](repeating: 0, count: 2000)
        points.withUnsafeBufferPointer { p in
            centroids.withUnsafeBufferPointer { c in
                KMeans.assign(points: p.baseAddress!, count: 2000, dimension: d, centroids: c.baseAddress!, k: k, threads: 2,
                              into: &assignment)
            }
        }
        // Every true cluster maps to exactly one centroid and different clusters to different centroids.
        var mapping: [Int: Int32] = [:]
        for (i, label) in labels.enumerated() {
            if let m = mapping[label] { #expect(m == assignment[i]) } else { mapping[label] = assignment[i] }
        }
        #expect(Set(mapping.values).count == k)
        // Deterministic for a seed.
        let again = points.withUnsafeBufferPointer {
            KMeans.train(points: $0.baseAddress!, count: 2000, dimension: d, k: k, iterations: 10, threads: 1, seed: 1)
        }
        #expect(again == centroids)
    }

    @Test func defaultCentroidCount() {
        #expect(WARPBuildParameters.defaultCentroids(tokens: 1_242_251) == 16384)
        #expect(WARPBuildParameters.defaultCentroids(tokens: 10_000_000) == 32768)
        #expect(WARPBuildParameters.defaultCentroids(tokens: 1000) == 256)
        #expect(WARPBuildParameters.defaultCentroids(tokens: 10) == 10)
    }
}

/// The error opening `path` throws, or nil if it opens.
func openError(_ path: String, verifyChecksums: Bool = true) -> IndexError? {
    do {
        _ = try WARPIndex(path: path, verifyChecksums: verifyChecksums)
        return nil
    } catch {
        return error
    }
}

@Suite struct WARPIndexStorageTests {
    @Test func buildsGroupedPostingsThatDecodeCloseToTheVectors() throws {
        let root = makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var parameters = WARPBuildParameters()
        parameters.centroids = 16
        let (vectors, offsets, _) = try buildSmallWARPIndex(path: root + "/warp", documents: 60, dimension: 32, parameters: parameters)
        let index = try WARPIndex(path: root + "/warp")
        #expect(index.documentCount == 60)
        #expect(index.tokenCount == offsets.last!)
        #expect(index.centroidCount == 16)
        #expect(try index.documentIDs()[7] == "doc7")
        #expect(folderContents(root).filter { $0.hasPrefix(".") }.isEmpty)  // no spill or temporary folder left
        // Every token appears once; postings of a centroid are sorted by document; decoding is close to the vector.
        var seen = [Int](repeating: 0, count: 60)
        let d = 32
        var worst: Float = 1, sum: Float = 0
        for c in 0..<16 {
            for p in Int(index.centroidOffsets[c])..<Int(index.centroidOffsets[c + 1]) {
                let doc = Int(index.postingDocuments[p])
                seen[doc] += 1
                let residual = index.codes.withUnsafeBufferPointer { index.codec.decode(codes: $0.baseAddress! + p * index.codec.codeBytes) }
                let centroid = index.centroid(c)
                // Best match among the document's tokens of centroid + residual.
                var best: Float = -1
                for r in offsets[doc]..<offsets[doc + 1] {
                    var dot: Float = 0
                    for j in 0..<d { dot += (centroid[j] + residual[j]) * vectors[r * d + j] }
                    best = max(best, dot)
                }
                worst = min(worst, best)
                sum += best
            }
        }
        #expect(seen == (0..<60).map { offsets[$0 + 1] - offsets[$0] })
        #expect(sum / Float(offsets.last!) > 0.95)
        #expect(worst > 0.75)
    }

    @Test func prunesToTheMostSalientTokens() throws {
        let root = makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var parameters = WARPBuildParameters()
        parameters.centroids = 8
        parameters.prune = 0.5
        let (_, offsets, ids) = try buildSmallWARPIndex(path: root + "/warp", documents: 40, dimension: 16, parameters: parameters)
        let index = try WARPIndex(path: root + "/warp")
        let expected = (0..<40).reduce(0) { $0 + Int((0.5 * Double(offsets[$1 + 1] - offsets[$1])).rounded(.up)) }
        #expect(index.tokenCount == expected)
        #expect(index.prune == 0.5)
        // Per document, the lowest kept salience is at least the highest pruned one.
        var df = [Int](repeating: 0, count: 40)
        for doc in 0..<40 { for t in Set(ids[offsets[doc]..<offsets[doc + 1]]) { df[Int(t)] += 1 } }
        func idf(_ t: Int32) -> Float { Float(log(1 + (40 - Double(df[Int(t)]) + 0.5) / (Double(df[Int(t)]) + 0.5))) }
        var keptMin = [Float](repeating: .infinity, count: 40)
        for p in 0..<index.tokenCount {
            let doc = Int(index.postingDocuments[p])
            keptMin[doc] = min(keptMin[doc], Float(index.postingSaliences[p]) * index.salienceUnit)
        }
        for doc in 0..<40 {
            let sorted = ids[offsets[doc]..<offsets[doc + 1]].map(idf).sorted(by: >)
            let keep = Int((0.5 * Double(sorted.count)).rounded(.up))
            #expect(abs(keptMin[doc] - sorted[keep - 1]) <= index.salienceUnit)
        }
        #expect(index.idf.count == Int(ids.max()!) + 1)
    }

    @Test func truncatedOrCorruptedArraysAreDetectedAtOpen() throws {
        let root = makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var parameters = WARPBuildParameters()
        parameters.centroids = 8
        try buildSmallWARPIndex(path: root + "/warp", documents: 20, dimension: 16, parameters: parameters)
        let codes = root + "/warp/codes.bin"
        let original = try Data(contentsOf: URL(fileURLWithPath: codes))
        // Truncated.
        try original.dropLast(5).write(to: URL(fileURLWithPath: codes))
        #expect(throws: IndexError.self) { try WARPIndex(path: root + "/warp") }
        #expect(openError(root + "/warp", verifyChecksums: false)?.code == .sizeMismatch)
        if let e = openError(root + "/warp", verifyChecksums: false) {
            #expect(e.message.contains("codes.bin"))
        }
        // One flipped byte, same size.
        var flipped = original
        flipped[flipped.startIndex + 3] ^= 0x40
        try flipped.write(to: URL(fileURLWithPath: codes))
        #expect(openError(root + "/warp")?.code == .checksumMismatch)
        if let e = openError(root + "/warp") {
            #expect(e.message.contains("codes.bin"))
        }
        try original.write(to: URL(fileURLWithPath: codes))
        _ = try WARPIndex(path: root + "/warp")
        // Postings out of document order are refused even with a valid size (checksums off).
        let docs = root + "/warp/posting_documents.bin"
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: docs)))
        bytes.replaceSubrange(0..<4, with: [0xFF, 0xFF, 0xFF, 0x7F])
        try Data(bytes).write(to: URL(fileURLWithPath: docs))
        #expect(openError(root + "/warp", verifyChecksums: false)?.code == .invalidArray)
    }

    @Test func refusesAnExactTokenIndexAndBadParameters() throws {
        let root = makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let writer = try IndexFolderWriter(destination: root + "/exact", kind: .tokens)
        try writer.addArray("vectors", [Float](repeating: 0, count: 4))
        try writer.commit()
        #expect(throws: IndexError.self) { try WARPIndex(path: root + "/exact") }
        // An index of an older codec (fp32 centroids) is refused with a request to rebuild, not misread.
        let old = try IndexFolderWriter(destination: root + "/v1", kind: .tokensWARP)
        old.parameters.entries.append(("codec", .string("warp-residual-v1")))
        old.dimension = 8
        try old.commit()
        do {
            _ = try WARPIndex(path: root + "/v1")
            Issue.record("a warp-residual-v1 index opened")
        } catch {
            #expect(error.code == .unsupportedFormatVersion)
            #expect(error.message.contains("rebuild"))
        }
        // Non-finite token vectors are refused with the document named.
        let builder = try WARPIndexBuilder(destination: root + "/nan", dimension: 2, parameters: WARPBuildParameters())
        do {
            try [Float(1), 0, .nan, 1].withUnsafeBufferPointer { try builder.add(documentID: "bad", vectors: $0, tokenIds: [1, 2]) }
            Issue.record("a NaN vector was accepted")
        } catch let error as IndexError {
            #expect(error.message.contains("document bad: token 1 has a non-finite value"))
        }
        var p = WARPBuildParameters()
        p.bits = 3
        #expect(throws: IndexError.self) { try WARPIndexBuilder(destination: root + "/x", dimension: 8, parameters: p) }
        // Learned saliences: one per token, finite and ≥ 0, for every document or for none.
        let learned = try WARPIndexBuilder(destination: root + "/learned", dimension: 2, parameters: WARPBuildParameters())
        let unit: [Float] = [1, 0, 0, 1]
        try unit.withUnsafeBufferPointer { v in
            for (bad, why) in [([Float(1)], "1 saliences for 2 tokens"), ([1, -0.5], "token 1 has salience -0.5"), ([.nan, 1], "token 0 has salience nan")] {
                do {
                    try learned.add(documentID: "a", vectors: v, tokenIds: [1, 2], saliences: bad)
                    Issue.record("saliences \(bad) were accepted")
                } catch let error as IndexError { #expect(error.message.contains(why), "\(error.message)") }
            }
            try learned.add(documentID: "a", vectors: v, tokenIds: [1, 2], saliences: [0.5, 2])
            do {
                try learned.add(documentID: "b", vectors: v, tokenIds: [1, 2])
                Issue.record("a document without saliences joined a build with them")
            } catch let error as IndexError { #expect(error.message.contains("every document or with none")) }
        }
        // An unknown salience kind in a manifest is refused.
        var q = WARPBuildParameters()
        q.centroids = 4
        _ = try buildSmallWARPIndex(path: root + "/kind", documents: 6, dimension: 8, parameters: q)
        let manifestPath = root + "/kind/manifest.json"
        let text = try String(contentsOfFile: manifestPath, encoding: .utf8)
        try text.replacingOccurrences(of: "\"salience\":\"idf\"", with: "\"salience\":\"magic\"").write(toFile: manifestPath, atomically: true, encoding: .utf8)
        #expect(openError(root + "/kind", verifyChecksums: false)?.message.contains("unknown salience magic") == true)
    }
}
