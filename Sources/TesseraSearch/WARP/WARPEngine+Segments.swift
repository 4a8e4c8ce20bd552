import TesseraIndex
import TesseraKernels

/// XTR over several compressed indexes that share one codebook (a collection's segments), searched as one index.
extension WARPEngine {
    /// Whether `other`'s index was encoded with this one's codebook (the same centroids and residual codec, by
    /// checksum), so that both can be searched as one index.
    public func sharesCodebook(with other: WARPEngine) -> Bool {
        guard index.dimension == other.index.dimension, index.centroidCount == other.index.centroidCount,
              index.codec.bits == other.index.codec.bits else { return false }
        for name in [WARPIndex.ArrayName.centroids, WARPIndex.ArrayName.bucketCutoffs, WARPIndex.ArrayName.bucketWeights] {
            guard let mine = index.folder.manifest.array(named: name)?.sha256,
                  mine == other.index.folder.manifest.array(named: name)?.sha256 else { return false }
        }
        return true
    }

    /// XTR over `engines` (indexes sharing one codebook: check ``sharesCodebook(with:)``) as over one index holding
    /// all their documents: the centroids are scored once (by the first engine), each query token probes its n_probe
    /// best and gets m_i from the cluster sizes summed over every index (t' by default from their summed tokens), and
    /// each index's probed clusters are decoded into its own scratch. Documents in `excluding[i]` (deleted rows of
    /// index i) are left out. Returns the `topK` best as (index position, document of that index), best first; ties go
    /// to the earlier index and document. One index gives what ``searchXTR(_:topK:parameters:)`` gives.
    public static func searchXTR(_ query: QueryTokens, engines: [WARPEngine], excluding: [Set<Int32>] = [], topK: Int,
                                 parameters: WARPSearchParameters) -> [(index: Int, hit: ScoredDocument)] {
        guard let first = engines.first else { return [] }
        let n = query.count
        let tokens = engines.reduce(0) { $0 + $1.index.tokenCount }
        guard n > 0, tokens > 0, topK > 0 else { return [] }
        precondition(query.dimension == first.index.dimension, "query dimension \(query.dimension) ≠ index dimension \(first.index.dimension)")
        let k = first.index.centroidCount, ps = first.preparedStride, d = first.index.dimension
        let buffers = first.takeQueryBuffers()
        defer { first.giveBackQueryBuffers(buffers) }
        let (scores, prepared, workspace) = buffers
        first.centroidScores(query, scores: scores, prepared: prepared, workspace: workspace, threads: parameters.threads)
        var sizes = [Int32](repeating: 0, count: k)
        for engine in engines { for c in 0..<k { sizes[c] += engine.clusterSizes[c] } }
        let workers = max(1, min(parameters.threads, n))
        let scratches = engines.map { $0.takeScratch(workers) }  // [index][worker]
        defer { for (engine, taken) in zip(engines, scratches) { engine.giveBack(taken) } }
        let nProbe = max(1, min(parameters.nProbe ?? WARPSearchParameters.defaultNProbe(prune: first.index.prune), k))
        let tPrime = parameters.tPrime ?? WARPSearchParameters.defaultTPrime(tokens: tokens, prune: first.index.prune)
        let bound = parameters.bound
        var missing = [Float](repeating: 0, count: n)
        query.vectors.withUnsafeBufferPointer { qvBuffer in missing.withUnsafeMutableBufferPointer { mb in
            let m = UnsafeSendablePointer(mb.baseAddress!)
            let s = UnsafeSendablePointer(scores.pointer), p = UnsafeSendablePointer(prepared.pointer)
            let qv = UnsafeSendablePointer(readOnly: qvBuffer.baseAddress!)
            let cents = UnsafeSendablePointer(readOnly: first.index.centroids.buffer.baseAddress!)
            sizes.withUnsafeBufferPointer { sizeBuffer in
                let sz = UnsafeSendablePointer(readOnly: sizeBuffer.baseAddress!)
                first.index.bucketWeightsPointer { weights in
                    let w = UnsafeSendablePointer(readOnly: weights)
                    Parallel.forEachStrided(count: n, threads: workers) { worker, i in
                        // The probes and m_i, in the first index's scratch of this worker; every index decodes them.
                        let chooser = scratches[0][worker]
                        chooser.selection.select(row: s.pointer + i * k, centroids: k, nProbe: nProbe, bound: bound, tPrime: tPrime, sizes: sz.pointer)
                        chooser.selection.rescore(query: qv.pointer + i * d, centroids: cents.pointer, dimension: d)
                        m.pointer[i] = chooser.selection.missing
                        for (position, engine) in engines.enumerated() {
                            engine.xtrToken(scratches[position][worker], selection: chooser.selection, q: p.pointer + i * ps, weights: w.pointer)
                        }
                    }
                }
            }
        } }
        let base = missing.reduce(0, +)
        let scale = 1 / Float(n)
        var merged: [(index: Int, hit: ScoredDocument)] = []
        for (position, taken) in scratches.enumerated() {
            let main = taken[0]
            for other in taken.dropFirst() { main.absorb(other, aligner: false) }
            let gone = position < excluding.count ? excluding[position] : []
            var heap = TopK(k: topK)
            for doc in main.candidates where !gone.contains(doc) { heap.insert(doc, (base + main.total[Int(doc)]) * scale) }
            main.reset()
            merged += heap.sorted().map { (position, $0) }
        }
        merged.sort { a, b in
            a.hit.score != b.hit.score ? a.hit.score > b.hit.score : (a.index, a.hit.document) < (b.index, b.hit.document)
        }
        return Array(merged.prefix(topK))
    }
}
