#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CTesseraKernels
import Foundation
import TesseraIO
import TesseraKernels

/// Streams documents' token vectors into a compressed (WARP) token index.
///
/// ``add(documentID:vectors:tokenIds:)`` appends each document's float vectors to a spill file inside the
/// writer's hidden temporary folder beside the destination (so the float vectors never all sit in RAM);
/// ``finish(model:parameters:titles:texts:)`` then computes IDF saliences (or takes the learned ones given) and prunes, trains k-means on a sample,
/// trains the residual codec, encodes every kept token (both cores), groups the codes by centroid (sorted by
/// document within a centroid), writes the flat arrays and commits the folder atomically. A build that dies at
/// any point leaves the previous index at `destination` untouched (see ``IndexFolderWriter``).
///
/// Arrays: `centroids` bf16 bits as u16 [K×d], `bucket_cutoffs` f32 [2^b−1], `bucket_weights` f32 [2^b], `centroid_offsets`
/// i64 [K+1] (postings of centroid c are `centroid_offsets[c] ..< centroid_offsets[c+1]`), `codes` u8
/// [P×codeBytes], `posting_documents` i32 [P], `posting_saliences` u8 [P] (salience / `salience_scale` · 255),
/// `idf` f32 [vocabulary] (query saliences), `document_lengths` i32 [N] (tokens before pruning),
/// `document_ids`, and `titles` / `texts` when given.
public final class WARPIndexBuilder {
    /// The parameters.
    public let parameters: WARPBuildParameters
    /// Vector width.
    public let dimension: Int
    private let writer: IndexFolderWriter
    private let spillPath: String
    private var spill: UnsafeMutablePointer<FILE>?
    private var tokenIds: [Int32] = []
    /// Learned saliences of every token row (AligneR's heads), when the documents came with them.
    private var learnedSaliences: [Float]? = nil
    private var documentOffsets: [Int] = [0]
    private var documentIDs: [String] = []
    private var seenIDs = Set<String>()
    /// Points of the k-means sample of the last trained codebook.
    private var trainedSample = 0
    /// Progress messages (stage names) go here if set.
    public var progress: (@Sendable (String) -> Void)?

    /// Prepares a build into `destination` (its parent folder must exist).
    public init(destination: String, dimension: Int, parameters: WARPBuildParameters) throws {
        guard parameters.bits == 2 || parameters.bits == 4 else {
            throw IndexError(.invalidArgument, "--bits must be 2 or 4, not \(parameters.bits)")
        }
        guard parameters.prune > 0 && parameters.prune <= 1 else {
            throw IndexError(.invalidArgument, "--prune must be in (0, 1], not \(parameters.prune)")
        }
        guard dimension >= 1 && dimension <= 4096 else { throw IndexError(.invalidArgument, "dimension \(dimension) out of range") }
        if let k = parameters.centroids, k < 1 { throw IndexError(.invalidArgument, "--centroids must be at least 1") }
        self.parameters = parameters
        self.dimension = dimension
        writer = try IndexFolderWriter(destination: destination, kind: .tokensWARP)
        spillPath = writer.temporaryPath + "/spill.f32.tmp"
        guard let f = fopen(spillPath, "wb") else {
            throw IndexError(.writeFailed, "cannot create \(spillPath): \(String(cString: strerror(errno)))")
        }
        spill = f
    }

    deinit {
        if let spill { fclose(spill) }
        unlink(spillPath)
    }

    /// Tokens added so far.
    public var tokenCount: Int { tokenIds.count }
    /// Documents added so far.
    public var documentCount: Int { documentIDs.count }

    /// Adds one document: its token vectors (count × dimension, L2-normalised), vocabulary ids and external id, and
    /// optionally the learned salience of each token (AligneR's heads: then pruning and the postings' saliences use them
    /// instead of IDF; every document of a build has them or none does).
    public func add(documentID: String, vectors: UnsafeBufferPointer<Float>, tokenIds ids: [Int32], saliences: [Float]? = nil) throws {
        guard let spill else { throw IndexError(.invalidArgument, "WARP builder already finished") }
        guard vectors.count == ids.count * dimension else {
            throw IndexError(.invalidArgument, "document \(documentID): \(vectors.count) floats for \(ids.count) tokens of dimension \(dimension)")
        }
        guard (saliences != nil) == (learnedSaliences != nil) || documentIDs.isEmpty else {
            throw IndexError(.invalidArgument, "document \(documentID): learned saliences must come with every document or with none")
        }
        if let saliences {
            guard saliences.count == ids.count else {
                throw IndexError(.invalidArgument, "document \(documentID): \(saliences.count) saliences for \(ids.count) tokens")
            }
            if let bad = saliences.firstIndex(where: { !($0.isFinite && $0 >= 0) }) {
                throw IndexError(.invalidArgument, "document \(documentID): token \(bad) has salience \(saliences[bad]) (must be finite and ≥ 0)")
            }
        }
        if let bad = vectors.firstIndex(where: { !$0.isFinite }) {
            throw IndexError(.invalidArgument, "document \(documentID): token \(bad / dimension) has a non-finite value (\(vectors[bad]))")
        }
        guard seenIDs.insert(documentID).inserted else { throw IndexError(.invalidArgument, "duplicate document id \(documentID)") }
        if let base = vectors.baseAddress, vectors.count > 0 {
            guard fwrite(base, MemoryLayout<Float>.stride, vectors.count, spill) == vectors.count else {
                throw IndexError(.writeFailed, "cannot write \(spillPath): \(String(cString: strerror(errno)))")
            }
        }
        tokenIds.append(contentsOf: ids)
        if let saliences {
            if learnedSaliences == nil { learnedSaliences = [] }
            learnedSaliences?.append(contentsOf: saliences)
        }
        documentOffsets.append(tokenIds.count)
        documentIDs.append(documentID)
    }

    /// Steps 2 and 3 of a build: k-means on a sample of the kept tokens (bfloat16 centroids), then the residual
    /// codec from the sample's residuals against them.
    private func trainCodebook(vectors: UnsafePointer<Float>, keptRows: [Int32], threads: Int) throws -> WARPCodebook {
        let d = dimension, kept = keptRows.count
        let k = min(parameters.centroids ?? WARPBuildParameters.defaultCentroids(tokens: kept), kept)

        sampleMemory()
        // 2. k-means on a sample of the kept tokens.
        var rng = SplitMix64(seed: parameters.seed)
        let sampleSize = min(kept, max(parameters.minimumSample, min(parameters.maximumSample, k * parameters.samplePerCentroid)))
        var sampleRows: [Int32]
        if sampleSize == kept {
            sampleRows = keptRows
        } else {
            var chosen = Set<Int32>()
            while chosen.count < sampleSize { chosen.insert(keptRows[Int(rng.next() % UInt64(kept))]) }
            sampleRows = chosen.sorted()
        }
        var sample = [Float](repeating: 0, count: sampleRows.count * d)
        sample.withUnsafeMutableBufferPointer { s in
            for (i, r) in sampleRows.enumerated() { (s.baseAddress! + i * d).update(from: vectors + Int(r) * d, count: d) }
        }
        sampleRows = []
        progress?("k-means: \(k) centroids on \(sampleSize) of \(kept) tokens")
        // Centroids are stored as bfloat16; residuals are taken against the stored (rounded) values.
        let centroidBits: [UInt16] = sample.withUnsafeBufferPointer { s in
            KMeans.train(points: s.baseAddress!, count: sampleSize, dimension: d, k: k, iterations: parameters.iterations,
                         threads: threads, seed: rng.next())
        }.map { tw_float_to_bf16($0) }
        let centroids = centroidBits.map { tw_bf16_to_float($0) }
        let assigner = centroids.withUnsafeBufferPointer { Assigner(centroids: $0.baseAddress!, k: k, dimension: d, threads: threads) }

        sampleMemory()
        // 3. Residual codec from the sample's residuals (about 1M values).
        progress?("codec")
        let codecPoints = min(sampleSize, max(1, (1 << 20) / d))
        var codecAssignment = [Int32](repeating: 0, count: codecPoints)
        sample.withUnsafeBufferPointer { s in
            codecAssignment.withUnsafeMutableBufferPointer { a in
                assigner.assign(points: s.baseAddress!, count: codecPoints, into: a.baseAddress!, scores: nil)
            }
        }
        var residualValues = [Float](repeating: 0, count: codecPoints * d)
        for i in 0..<codecPoints {
            let c = Int(codecAssignment[i])
            for j in 0..<d { residualValues[i * d + j] = sample[i * d + j] - centroids[c * d + j] }
        }
        sample = []
        let codec = ResidualCodec.train(bits: parameters.bits, dimension: d, residuals: residualValues)
        residualValues = []
        trainedSample = sampleSize
        return try WARPCodebook(centroidBits: centroidBits, codec: codec)
    }

    /// Trains, encodes and writes the index; returns counts, the folder's bytes and the process's peak RSS.
    public func finish(model: JSONValue, parameters extra: JSONObject, titles: [String]?, texts: [String]?) throws
        -> (documents: Int, tokens: Int, bytes: Int, peakRSSBytes: Int) {
        guard let f = spill else { throw IndexError(.invalidArgument, "WARP builder already finished") }
        spill = nil
        guard fflush(f) == 0, fclose(f) == 0 else { throw IndexError(.writeFailed, "cannot write \(spillPath)") }
        let total = tokenIds.count, d = dimension, documents = documentIDs.count
        guard total > 0 else { throw IndexError(.invalidArgument, "cannot build a token index without tokens") }
        let map: MappedFile
        do { map = try MappedFile(path: spillPath) } catch { throw IndexError(.readFailed, error.message) }
        guard map.bytes.count == total * d * 4, let raw = map.bytes.baseAddress else {
            throw IndexError(.readFailed, "\(spillPath): spill file has \(map.bytes.count) bytes, expected \(total * d * 4)")
        }
        let vectors = raw.assumingMemoryBound(to: Float.self)
        let threads = max(1, parameters.threads)

        // 1. IDF saliences and pruning (top β of each document's tokens by salience).
        progress?("saliences")
        let vocabulary = Int((tokenIds.max() ?? 0)) + 1
        let idf = tokenIds.withUnsafeBufferPointer {
            InverseDocumentFrequency.table(tokenIds: $0, documentOffsets: documentOffsets, vocabularySize: vocabulary).map(Float.init)
        }
        let learned = learnedSaliences
        func salience(_ r: Int) -> Float {
            if let learned { return learned[r] }
            return tokenIds[r] >= 0 ? idf[Int(tokenIds[r])] : 0
        }
        var keptRows: [Int32] = []
        var keptDocs: [Int32] = []
        keptRows.reserveCapacity(parameters.prune >= 1 ? total : Int(Double(total) * parameters.prune) + documents)
        keptDocs.reserveCapacity(keptRows.capacity)
        for doc in 0..<documents {
            let rows = documentOffsets[doc]..<documentOffsets[doc + 1]
            if parameters.prune >= 1 {
                for r in rows { keptRows.append(Int32(r)); keptDocs.append(Int32(doc)) }
            } else if !rows.isEmpty {
                let keep = max(1, Int((parameters.prune * Double(rows.count)).rounded(.up)))
                let ranked = rows.sorted { salience($0) != salience($1) ? salience($0) > salience($1) : $0 < $1 }
                for r in ranked.prefix(keep).sorted() { keptRows.append(Int32(r)); keptDocs.append(Int32(doc)) }
            }
        }
        let kept = keptRows.count
        let scale = max((learned ?? idf).max() ?? 1, 1e-6)
        let keptSaliences: [UInt8] = keptRows.map { r in UInt8(max(0, min(255, (salience(Int(r)) / scale * 255).rounded()))) }
        if let given = parameters.codebook {
            guard given.dimension == d, given.codec.bits == parameters.bits else {
                throw IndexError(.invalidArgument, "codebook of width \(given.dimension) at \(given.codec.bits) bits for vectors of width \(d) at \(parameters.bits) bits")
            }
        }
        let trained = try parameters.codebook ?? trainCodebook(vectors: vectors, keptRows: keptRows, threads: threads)
        let k = trained.count, codec = trained.codec, centroidBits = trained.centroidBits, sampleSize = parameters.codebook == nil ? trainedSample : 0
        let centroids = centroidBits.map { tw_bf16_to_float($0) }
        let assigner = centroids.withUnsafeBufferPointer { Assigner(centroids: $0.baseAddress!, k: k, dimension: d, threads: threads) }

        sampleMemory()
        // 4. Encode every kept token: nearest centroid, residual, codes (both cores, blocks of rows).
        progress?("encoding \(kept) tokens")
        let codeBytes = codec.codeBytes
        var codes = [UInt8](repeating: 0, count: kept * codeBytes)
        var assignment = [Int32](repeating: 0, count: kept)
        let block = assigner.rowsPerBlock
        let blocks = (kept + block - 1) / block
        let scratch = (0..<threads).map { _ in FloatBuffer(capacity: block * d) }
        codes.withUnsafeMutableBufferPointer { codesBuffer in
            assignment.withUnsafeMutableBufferPointer { assignmentBuffer in
                keptRows.withUnsafeBufferPointer { rowsBuffer in
                    centroids.withUnsafeBufferPointer { centroidBuffer in
                        let out = UnsafeSendablePointer(codesBuffer.baseAddress!)
                        let assigned = UnsafeSendablePointer(assignmentBuffer.baseAddress!)
                        let rows = UnsafeSendablePointer(readOnly: rowsBuffer.baseAddress!)
                        let cents = UnsafeSendablePointer(readOnly: centroidBuffer.baseAddress!)
                        let source = UnsafeSendablePointer(readOnly: vectors)
                        Parallel.forEach(count: blocks, threads: threads) { worker, b in
                            let start = b * block, count = min(block, kept - start)
                            let x = scratch[worker].pointer
                            for i in 0..<count {
                                (x + i * d).update(from: source.pointer + Int(rows.pointer[start + i]) * d, count: d)
                            }
                            assigner.assignRows(worker: worker, points: x, count: count, into: assigned.pointer + start, scores: nil)
                            for i in 0..<count {
                                let c = cents.pointer + Int(assigned.pointer[start + i]) * d
                                for j in 0..<d { x[i * d + j] -= c[j] }
                            }
                            codec.encode(residuals: x, count: count, into: out.pointer + start * codeBytes)
                        }
                    }
                }
            }
        }
        keptRows = []

        sampleMemory()
        // 5. Group by centroid (a stable counting sort keeps document order within a centroid) and write.
        progress?("writing")
        var offsets = [Int64](repeating: 0, count: k + 1)
        for c in assignment { offsets[Int(c) + 1] += 1 }
        for c in 0..<k { offsets[c + 1] += offsets[c] }
        var cursor = Array(offsets.dropLast())
        var order = [Int32](repeating: 0, count: kept)
        for (i, c) in assignment.enumerated() {
            order[Int(cursor[Int(c)])] = Int32(i)
            cursor[Int(c)] += 1
        }
        assignment = []
        try writer.addArray(WARPIndex.ArrayName.centroids, centroidBits)
        try writer.addArray(WARPIndex.ArrayName.bucketCutoffs, codec.cutoffs)
        try writer.addArray(WARPIndex.ArrayName.bucketWeights, codec.weights)
        try writer.addArray(WARPIndex.ArrayName.centroidOffsets, offsets)
        let codeStream = try writer.beginArray(WARPIndex.ArrayName.codes, of: UInt8.self)
        var chunk = [UInt8]()
        chunk.reserveCapacity(1 << 22)
        for i in order {
            let start = Int(i) * codeBytes
            chunk.append(contentsOf: codes[start..<(start + codeBytes)])
            if chunk.count >= 1 << 22 { try codeStream.append(chunk); chunk.removeAll(keepingCapacity: true) }
        }
        try codeStream.append(chunk)
        try codeStream.finish()
        codes = []
        sampleMemory()
        try writer.addArray(WARPIndex.ArrayName.postingDocuments, order.map { keptDocs[Int($0)] })
        try writer.addArray(WARPIndex.ArrayName.postingSaliences, order.map { keptSaliences[Int($0)] })
        order = []
        try writer.addArray(WARPIndex.ArrayName.idf, idf)
        try writer.addArray(WARPIndex.ArrayName.documentLengths, (0..<documents).map { Int32(documentOffsets[$0 + 1] - documentOffsets[$0]) })
        try DocumentStore.write(ids: documentIDs, titles: titles, texts: texts, into: writer)
        writer.model = model
        writer.dimension = d
        var params = JSONObject()
        let own: [(String, JSONValue)] = [
            ("codec", .string(WARPIndex.codecName)), ("bits", .number(Double(parameters.bits))),
            ("centroids", .number(Double(k))), ("prune", .number(parameters.prune)),
            ("code_bytes", .number(Double(codeBytes))), ("padded_dimension", .number(Double(codec.paddedDimension))),
            ("salience", .string(learned == nil ? "idf" : "learned")), ("salience_scale", .number(Double(scale))),
            ("kmeans_sample", .number(Double(sampleSize))), ("kmeans_iterations", .number(Double(parameters.iterations))),
            ("codebook", .string(parameters.codebook == nil ? "trained" : "given")),
            ("seed", .number(Double(parameters.seed & 0xFFFF_FFFF))),
        ]
        for (key, value) in own { params.entries.append((key, value)) }
        for (key, value) in extra.entries where params[key] == nil { params.entries.append((key, value)) }
        writer.parameters = params
        writer.counts = ["documents": documents, "tokens": kept, "tokens_total": total, "centroids": k]
        sampleMemory()
        withExtendedLifetime(map) {}
        unlink(spillPath)
        try writer.commit()
        return (documents, kept, Self.folderBytes(writer.destination), Self.peakRSSBytes())
    }

    /// Sum of the sizes of the files in `path`.
    public static func folderBytes(_ path: String) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.reduce(0) { total, name in
            let size = (try? FileManager.default.attributesOfItem(atPath: path + "/" + name)[.size] as? Int) ?? 0
            return total + size
        }
    }

    /// The process's peak resident set (VmHWM of /proc/self/status; 0 where unavailable). It counts pages of
    /// memory-mapped files (the spill file, mapped index arrays) that the kernel may drop at any time.
    public static func peakRSSBytes() -> Int { statusBytes("VmHWM:") }

    /// The process's current anonymous resident memory (RssAnon: heap, not file pages).
    public static func anonymousRSSBytes() -> Int { statusBytes("RssAnon:") }

    /// The largest ``anonymousRSSBytes()`` sampled at the end of each build stage of the last ``finish`` call.
    public private(set) var peakAnonymousBytes = 0

    private func sampleMemory() { peakAnonymousBytes = max(peakAnonymousBytes, Self.anonymousRSSBytes()) }

    static func statusBytes(_ key: String) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(key) {
            let digits = line.split(separator: " ").compactMap { Int($0) }
            if let kb = digits.first { return kb * 1024 }
        }
        return 0
    }
}
