import CTesseraKernels
import Foundation
import TesseraIndex
import TesseraKernels

/// The WARP search engine over a compressed token index (PAPERS.md §4), for XTR and AligneR scoring.
///
/// Per query: (1) one GEMM scores every centroid for every query token, each token probes its n_probe best
/// centroids and gets m_i from t' (``WARPCentroidSelection``); (2) each probed cluster is decoded implicitly
/// against the query token (``WARPDecompression``); (3) XTR: token-level max, then document-level sum with
/// imputation m_i; AligneR: top-k/top-p alignment of the decoded candidates with saliences; (4) a heap keeps the
/// top k. Safe for concurrent queries (per-query scratch comes from a pool); `threads` splits one query's tokens
/// between workers.
public final class WARPEngine: @unchecked Sendable {
    /// The index.
    public let index: WARPIndex
    /// How stage 1 scores the centroids.
    let screening: CentroidScreening
    /// bfloat16 centroids packed for ``tw_centroid_scores`` (panels of 32), on CPUs with AVX512-BF16.
    let packedCentroids: [UInt16]
    /// int16 centroids for ``tw_centroid_scores_i16`` (AVX2).
    let int16: Int16Centroids?
    /// Without screening: the centroids as floats, scored by the fp32 GEMM.
    let floatScorer: LinearWeights?
    let clusterSizes: [Int32]
    let largestCluster: Int
    /// Floats of one query token laid out for ``tw_score_codes``.
    let preparedStride: Int
    let meanSalience: Float
    private let lock = NSLock()
    private var pool: [WARPScratch] = []
    private var queryPool: [(FloatBuffer, FloatBuffer, FloatBuffer)] = []

    /// Prepares the engine (packs the centroids for the fastest scoring kernel this CPU runs).
    public convenience init(index: WARPIndex) {
        self.init(index: index, screening: .best)
    }

    /// `screening`: stage 1 in bfloat16 (AVX512-BF16), int16 (AVX2) or fp32 (the packed GEMM over a float copy of
    /// the centroids, or BLAS / Accelerate); one the CPU cannot run falls back to fp32. The probed centroids are
    /// rescored in fp32 in every case.
    init(index: WARPIndex, screening requested: CentroidScreening) {
        self.index = index
        let k = index.centroidCount, d = index.dimension
        let screening: CentroidScreening = requested.isAvailable ? requested : .none
        self.screening = screening
        var packed: [UInt16] = []
        var int16: Int16Centroids?
        var scorer: LinearWeights?
        // The float centroids (the stored bfloat16 values), for the int16 and fp32 paths.
        func floats() -> FloatBuffer {
            let f = FloatBuffer(capacity: k * d)
            VectorKernels.bfloat16ToFloat(index.centroids.buffer.baseAddress!, f.pointer, count: k * d)
            return f
        }
        switch screening {
        case .bfloat16:
            packed = [UInt16](repeating: 0, count: tw_packed_centroids_count(k, d))
            index.centroids.withUnsafeBufferPointer { c in
                packed.withUnsafeMutableBufferPointer { tw_pack_centroids(c.baseAddress!, k, d, $0.baseAddress!) }
            }
        case .int16:
            let f = floats()
            int16 = withExtendedLifetime(f) { Int16Centroids(centroids: f.pointer, k: k, dimension: d) }
        case .none:
            let f = floats()
            scorer = LinearWeights(weight: f.pointer, outputs: k, inputs: d, owner: f)
        }
        packedCentroids = packed
        self.int16 = int16
        floatScorer = scorer
        preparedStride = tw_prepared_query_count(index.codec.paddedDimension, Int32(index.codec.bits))
        var sizes = [Int32](repeating: 0, count: k)
        for c in 0..<k { sizes[c] = Int32(index.centroidOffsets[c + 1] - index.centroidOffsets[c]) }
        clusterSizes = sizes
        largestCluster = Int(sizes.max() ?? 0)
        var sum = 0
        for s in index.postingSaliences.buffer { sum += Int(s) }
        meanSalience = index.tokenCount > 0 ? Float(Double(sum) / Double(index.tokenCount)) * index.salienceUnit : 1
    }

    func takeScratch(_ count: Int) -> [WARPScratch] {
        lock.lock()
        var out: [WARPScratch] = []
        while out.count < count, let s = pool.popLast() { out.append(s) }
        lock.unlock()
        while out.count < count { out.append(WARPScratch(documents: index.documentCount, largestCluster: largestCluster)) }
        return out
    }

    func giveBack(_ scratches: [WARPScratch]) {
        lock.lock(); pool.append(contentsOf: scratches); lock.unlock()
    }

    /// Stage 1 for all query tokens: centroid scores `n × K` (bfloat16 products where the CPU has them; the
    /// probed centroids are rescored exactly in ``WARPCentroidSelection``) and the query tokens laid out for the
    /// decoding kernel (`preparedStride` floats each). `threads` workers split the centroid panels (bfloat16 path).
    func centroidScores(_ query: QueryTokens, scores: FloatBuffer, prepared: FloatBuffer, workspace: FloatBuffer,
                                threads: Int) {
        let n = query.count, k = index.centroidCount, d = index.dimension, pd = index.codec.paddedDimension
        let ps = preparedStride
        scores.reserve(n * k)
        prepared.reserve(n * ps)
        var padded = [Float](repeating: 0, count: pd)
        query.vectors.withUnsafeBufferPointer { v in
            for i in 0..<n {
                for j in 0..<d { padded[j] = v[i * d + j] }
                tw_prepare_query(padded, pd, Int32(index.codec.bits), prepared.pointer + i * ps)
            }
        }
        if let floatScorer {
            query.vectors.withUnsafeBufferPointer { v in
                floatScorer.apply(v.baseAddress!, lda: d, rows: n, bias: nil, into: scores.pointer, ldc: k, workspace: workspace)
            }
            return
        }
        var pairs = [UInt32](repeating: 0, count: n * ((d + 1) / 2))
        var rowScales = [Float](repeating: 0, count: n)
        query.vectors.withUnsafeBufferPointer { v in
            pairs.withUnsafeMutableBufferPointer { p in
                if screening == .int16 {
                    rowScales.withUnsafeMutableBufferPointer { tw_query_to_i16_pairs(v.baseAddress!, n, d, p.baseAddress!, $0.baseAddress!) }
                } else {
                    tw_query_to_bf16_pairs(v.baseAddress!, n, d, p.baseAddress!)
                }
            }
        }
        let panels = (k + 31) / 32
        let workers = max(1, min(threads, panels / 64))
        let out = UnsafeSendablePointer(scores.pointer)
        // Workers split the centroid panels; each writes its own columns of `scores`.
        func split(_ body: @escaping @Sendable (_ lo: Int, _ hi: Int) -> Void) {
            Parallel.forEach(count: workers, threads: workers) { _, w in body(panels * w / workers, panels * (w + 1) / workers) }
        }
        query.vectors.withUnsafeBufferPointer { v in pairs.withUnsafeBufferPointer { qp in
            let qv = UnsafeSendablePointer(readOnly: v.baseAddress!), qpp = UnsafeSendablePointer(readOnly: qp.baseAddress!)
            if let int16 {
                rowScales.withUnsafeBufferPointer { rs in int16.packed.withUnsafeBufferPointer { c in int16.inverseScales.withUnsafeBufferPointer { cs in
                    let rsp = UnsafeSendablePointer(readOnly: rs.baseAddress!), cp = UnsafeSendablePointer(readOnly: c.baseAddress!)
                    let csp = UnsafeSendablePointer(readOnly: cs.baseAddress!)
                    split { lo, hi in
                        tw_centroid_scores_i16(qpp.pointer, rsp.pointer, n, d, cp.pointer, csp.pointer, k, out.pointer, k, lo, hi)
                    }
                } } }
            } else {
                packedCentroids.withUnsafeBufferPointer { c in
                    let cp = UnsafeSendablePointer(readOnly: c.baseAddress!)
                    split { lo, hi in tw_centroid_scores(qv.pointer, qpp.pointer, n, d, cp.pointer, k, out.pointer, k, lo, hi) }
                }
            }
        } }
    }

    func takeQueryBuffers() -> (FloatBuffer, FloatBuffer, FloatBuffer) {
        lock.lock()
        let b = queryPool.popLast()
        lock.unlock()
        return b ?? (FloatBuffer(), FloatBuffer(), FloatBuffer())
    }

    func giveBackQueryBuffers(_ b: (FloatBuffer, FloatBuffer, FloatBuffer)) {
        lock.lock(); queryPool.append(b); lock.unlock()
    }

    /// XTR scoring: the `topK` best documents, each scored (1/n) Σᵢ max(best decoded score of token i in it, m_i).
    public func searchXTR(_ query: QueryTokens, topK: Int, parameters: WARPSearchParameters) -> [ScoredDocument] {
        run(query, topK: topK, parameters: parameters, aligner: nil)
    }

    /// AligneR scoring of the decoded candidates: Σ uᵢ u_j s_ij / Σ uᵢ u_j over each query token's top-k/top-p
    /// candidates per document; a query token without (enough) candidates in a document is imputed m_i with
    /// the mean document salience.
    ///
    /// Query saliences are the query's learned ones when the index holds learned saliences (an AligneR model), else the
    /// index's IDF of each token; with `parameters.queryPrune` < 1 only the top β_q of the query's tokens by salience
    /// (at least one) take part.
    public func searchAligner(_ query: QueryTokens, topK: Int, parameters: WARPSearchParameters) -> [ScoredDocument] {
        let uq: [Float]
        if index.learnedSaliences, let learned = query.saliences {
            uq = learned
        } else {
            uq = query.tokenIds.map { id in
                let i = Int(id)
                if i >= 0 && i < index.idf.count { return index.idf[i] }
                let n = Double(index.documentCount)
                return Float(log(1 + (n + 0.5) / 0.5))
            }
        }
        guard parameters.queryPrune < 1, query.count > 1 else { return run(query, topK: topK, parameters: parameters, aligner: uq) }
        let keep = max(1, Int((parameters.queryPrune * Double(query.count)).rounded(.up)))
        let ranked = (0..<query.count).sorted { uq[$0] != uq[$1] ? uq[$0] > uq[$1] : $0 < $1 }.prefix(keep).sorted()
        let d = query.dimension
        let pruned = QueryTokens(vectors: ranked.flatMap { query.vectors[($0 * d)..<(($0 + 1) * d)] }, tokenIds: ranked.map { query.tokenIds[$0] },
                                 dimension: d, saliences: query.saliences.map { u in ranked.map { u[$0] } })
        return run(pruned, topK: topK, parameters: parameters, aligner: ranked.map { uq[$0] })
    }

    private func run(_ query: QueryTokens, topK: Int, parameters: WARPSearchParameters, aligner uq: [Float]?) -> [ScoredDocument] {
        let n = query.count
        guard n > 0, index.tokenCount > 0, topK > 0 else { return [] }
        precondition(query.dimension == index.dimension, "query dimension \(query.dimension) ≠ index dimension \(index.dimension)")
        let k = index.centroidCount, ps = preparedStride, d = index.dimension
        let buffers = takeQueryBuffers()
        defer { giveBackQueryBuffers(buffers) }
        let (scores, prepared, workspace) = buffers
        centroidScores(query, scores: scores, prepared: prepared, workspace: workspace, threads: parameters.threads)
        let workers = max(1, min(parameters.threads, n))
        let scratches = takeScratch(workers)
        defer { giveBack(scratches) }
        var missing = [Float](repeating: 0, count: n)
        let nProbe = max(1, min(parameters.nProbe ?? WARPSearchParameters.defaultNProbe(prune: index.prune), k))
        let tPrime = parameters.tPrime ?? WARPSearchParameters.defaultTPrime(tokens: index.tokenCount, prune: index.prune)
        let bound = parameters.bound
        let alignment = parameters.alignment
        let meanSalience = self.meanSalience
        query.vectors.withUnsafeBufferPointer { qvBuffer in missing.withUnsafeMutableBufferPointer { mb in
            let m = UnsafeSendablePointer(mb.baseAddress!)
            let s = UnsafeSendablePointer(scores.pointer), p = UnsafeSendablePointer(prepared.pointer)
            clusterSizes.withUnsafeBufferPointer { sizes in
                let sz = UnsafeSendablePointer(readOnly: sizes.baseAddress!)
                let cents = UnsafeSendablePointer(readOnly: index.centroids.buffer.baseAddress!)
                let qv = UnsafeSendablePointer(readOnly: qvBuffer.baseAddress!)
                index.bucketWeightsPointer { weights in
                    let w = UnsafeSendablePointer(readOnly: weights)
                    Parallel.forEachStrided(count: n, threads: workers) { worker, i in
                        let scratch = scratches[worker]
                        scratch.selection.select(row: s.pointer + i * k, centroids: k, nProbe: nProbe, bound: bound,
                                                 tPrime: tPrime, sizes: sz.pointer)
                        scratch.selection.rescore(query: qv.pointer + i * d, centroids: cents.pointer, dimension: d)
                        m.pointer[i] = scratch.selection.missing
                        if let uq {
                            if uq[i] > 0 {
                                self.alignToken(scratch, q: p.pointer + i * ps, weights: w.pointer, uq: uq[i], missing: scratch.selection.missing,
                                                alignment: alignment)
                            }
                        } else {
                            self.xtrToken(scratch, q: p.pointer + i * ps, weights: w.pointer)
                        }
                    }
                }
            }
        } }
        let main = scratches[0]
        for other in scratches.dropFirst() { main.absorb(other, aligner: uq != nil) }
        var heap = TopK(k: topK)
        if let uq {
            var a: Float = 0, b: Float = 0
            for i in 0..<n where uq[i] > 0 { a += uq[i] * missing[i]; b += uq[i] }
            for doc in main.candidates {
                let d = Int(doc)
                let c = Float(alignmentCount(alignment, document: d))
                let num = main.total[d] + meanSalience * (c * a - main.removedNumerator[d])
                let den = main.denominator[d] + meanSalience * (c * b - main.removedDenominator[d])
                heap.insert(doc, den > 0 ? num / den : 0)
            }
        } else {
            let base = missing.reduce(0, +)
            let scale = 1 / Float(n)
            for doc in main.candidates { heap.insert(doc, (base + main.total[Int(doc)]) * scale) }
        }
        main.reset()
        return heap.sorted()
    }

    /// Decodes every non-empty probed cluster of one query token into `scratch.clusterScores` (one score per
    /// posting) and hands its posting range to `body`.
    @inline(__always)
    func forEachProbedCluster(_ scratch: WARPScratch, selection: WARPCentroidSelection? = nil, q: UnsafePointer<Float>,
                              weights: UnsafePointer<Float>, _ body: (_ lo: Int, _ hi: Int) -> Void) {
        let selection = selection ?? scratch.selection
        for j in 0..<selection.probeCount {
            let c = selection.best[j]
            let lo = Int(index.centroidOffsets[Int(c)]), hi = Int(index.centroidOffsets[Int(c) + 1])
            guard hi > lo else { continue }
            WARPDecompression.score(index: index, weights: weights, q: q, centroidScore: selection.bestScores[j],
                                    range: lo..<hi, into: scratch.clusterScores)
            body(lo, hi)
        }
    }

    /// Decodes the probed clusters of one query token and merges them (XTR); `selection`: the probes and m_i, by
    /// default those in `scratch` (another engine's, for indexes searched as one).
    func xtrToken(_ scratch: WARPScratch, selection: WARPCentroidSelection? = nil, q: UnsafePointer<Float>, weights: UnsafePointer<Float>) {
        let docs = index.postingDocuments.buffer.baseAddress!
        let selection = selection ?? scratch.selection
        forEachProbedCluster(scratch, selection: selection, q: q, weights: weights) { lo, hi in
            scratch.maxMerge(documents: docs + lo, scores: scratch.clusterScores, count: hi - lo)
        }
        scratch.sumMerge(missing: selection.missing)
    }

    /// Document tokens one query token aligns to in document `d`: the alignment's count for the document's full
    /// length, at most the tokens pruning kept.
    @inline(__always) func alignmentCount(_ alignment: Alignment, document d: Int) -> Int {
        let length = Int(index.documentLengths[d])
        let kept = index.prune >= 1 ? length : max(1, Int((index.prune * Double(length)).rounded(.up)))
        return max(1, min(alignment.count(documentLength: length), kept))
    }

    /// Decodes the probed clusters of one query token and aligns it to its best candidates per document (AligneR).
    private func alignToken(_ scratch: WARPScratch, q: UnsafePointer<Float>, weights: UnsafePointer<Float>, uq: Float,
                            missing: Float, alignment: Alignment) {
        let docs = index.postingDocuments.buffer.baseAddress!
        let saliences = index.postingSaliences.buffer.baseAddress!
        let unit = index.salienceUnit
        if case .topK(1) = alignment {
            // Top-1 (MaxSim-like): the best posting per document, kept densely while decoding.
            forEachProbedCluster(scratch, q: q, weights: weights) { lo, hi in
                for t in 0..<(hi - lo) {
                    let d = Int(docs[lo + t])
                    let s = scratch.clusterScores[t]
                    if scratch.best[d] == -.infinity { scratch.touchedByToken.append(Int32(d)) }
                    if s > scratch.best[d] { scratch.best[d] = s; scratch.bestSalience[d] = Float(saliences[lo + t]) * unit }
                }
            }
            for doc in scratch.touchedByToken {
                let d = Int(doc)
                let weight = uq * scratch.bestSalience[d]
                scratch.total[d] += weight * scratch.best[d]
                scratch.denominator[d] += weight
                scratch.removedNumerator[d] += uq * missing
                scratch.removedDenominator[d] += uq
                scratch.best[d] = -.infinity
                scratch.addCandidate(doc)
            }
            scratch.touchedByToken.removeAll(keepingCapacity: true)
            return
        }
        scratch.alignmentBuffer.removeAll(keepingCapacity: true)
        forEachProbedCluster(scratch, q: q, weights: weights) { lo, hi in
            for t in 0..<(hi - lo) {
                scratch.alignmentBuffer.append((docs[lo + t], scratch.clusterScores[t], Float(saliences[lo + t]) * unit))
            }
        }
        scratch.alignmentBuffer.sort { $0.document != $1.document ? $0.document < $1.document : $0.score > $1.score }
        let items = scratch.alignmentBuffer
        var t = 0
        while t < items.count {
            let doc = items[t].document
            let d = Int(doc)
            let c = alignmentCount(alignment, document: d)
            var taken = 0
            while t < items.count && items[t].document == doc {
                if taken < c {
                    let weight = uq * items[t].salience
                    scratch.total[d] += weight * items[t].score
                    scratch.denominator[d] += weight
                    taken += 1
                }
                t += 1
            }
            scratch.removedNumerator[d] += uq * missing * Float(taken)
            scratch.removedDenominator[d] += uq * Float(taken)
            scratch.addCandidate(doc)
        }
    }
}

extension WARPIndex {
    func bucketWeightsPointer<R>(_ body: (UnsafePointer<Float>) -> R) -> R {
        codec.weights.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
