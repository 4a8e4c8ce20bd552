#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TesseraKernels

extension HNSWGraph {
    /// Builds the graph over `count` vectors of `dimension` floats (row-major, L2-normalised), on `threads`
    /// threads.
    ///
    /// Algorithm: Malkov & Yashunin's INSERT with the neighbour-selection heuristic (Algorithm 4, without
    /// keeping pruned connections) on every level; a new node chooses up to `2M` links on level 0 (as faiss does;
    /// hnswlib takes `M`: measured +0.01–0.03 recall at equal efSearch for ~5% more time) and `M` above; lists are
    /// capped at `2M` on level 0 and `M` above, an overfull list being shrunk with the same heuristic. Levels are drawn up front from the seed
    /// (`⌊−ln U · m_L⌋`, `m_L = 1/ln M`), so the level structure is reproducible and all link arrays are allocated
    /// once, flat.
    ///
    /// Insertion order: by level, highest first, then by id (as faiss does; measured neutral for recall on SciFact,
    /// and the first node inserted is a top-level node that stays the entry point).
    ///
    /// Concurrency: fine-grained locking, as in hnswlib. The first node is inserted alone; the others are handed to
    /// the threads in that order. Each node's neighbour lists are guarded by a striped mutex (node id modulo a
    /// power of two up to 65,536), held only while a list is copied out or rewritten, never two at a time; a
    /// node above the current top level (impossible with this order, kept for safety) would hold a global lock for
    /// its whole insertion so the entry point changes atomically. With `threads == 1` the graph is fully deterministic; with more threads the links depend on
    /// the interleaving (recall does not, within noise).
    public static func build(vectors: UnsafePointer<Float>, count: Int, dimension: Int, parameters: HNSWParameters,
                             threads: Int) -> HNSWGraph {
        precondition(count >= 0 && count < Int(Int32.max), "HNSW supports up to 2^31 − 1 vectors")
        precondition(dimension > 0, "dimension must be positive")
        let builder = HNSWBuilder(vectors: vectors, count: count, dimension: dimension, parameters: parameters)
        builder.run(threads: max(1, threads))
        return builder.finish()
    }
}

/// Mutable state of one build.
final class HNSWBuilder: @unchecked Sendable {
    let vectors: UnsafePointer<Float>
    let count: Int
    let dim: Int
    let parameters: HNSWParameters
    let m: Int
    let m0: Int
    let stride0: Int
    let strideUpper: Int
    let levels: UnsafeMutablePointer<Int32>
    let links0: UnsafeMutablePointer<Int32>
    let upperOffsets: UnsafeMutablePointer<Int64>
    let upperLinks: UnsafeMutablePointer<Int32>
    let upperRows: Int
    let locks: UnsafeMutablePointer<pthread_mutex_t>
    let lockMask: Int
    let globalLock: UnsafeMutablePointer<pthread_mutex_t>
    // Guarded by globalLock.
    var entryPoint: Int32 = -1
    var maxLevel = 0

    init(vectors: UnsafePointer<Float>, count: Int, dimension: Int, parameters: HNSWParameters) {
        self.vectors = vectors
        self.count = count
        dim = dimension
        self.parameters = parameters
        m = parameters.m
        m0 = parameters.maxLinksLevel0
        stride0 = m0 + 1
        strideUpper = m + 1
        levels = .allocate(capacity: max(count, 1))
        upperOffsets = .allocate(capacity: count + 1)
        var rng = SplitMix64(seed: parameters.seed)
        let mL = parameters.levelMultiplier
        var total: Int64 = 0
        upperOffsets[0] = 0
        for i in 0..<count {
            // U in (0, 1]: 53 random bits.
            let u = Double((rng.next() >> 11) + 1) * 0x1p-53
            let level = min(Int(-hnswLog(u) * mL), 30)
            levels[i] = Int32(level)
            total += Int64(level)
            upperOffsets[i + 1] = total
        }
        upperRows = Int(total)
        links0 = .allocate(capacity: max(count * stride0, 1))
        links0.initialize(repeating: 0, count: max(count * stride0, 1))
        upperLinks = .allocate(capacity: max(upperRows * strideUpper, 1))
        upperLinks.initialize(repeating: 0, count: max(upperRows * strideUpper, 1))
        var stripes = 1
        while stripes < count && stripes < 65_536 { stripes <<= 1 }
        lockMask = stripes - 1
        locks = .allocate(capacity: stripes)
        for i in 0..<stripes { pthread_mutex_init(locks + i, nil) }
        globalLock = .allocate(capacity: 1)
        pthread_mutex_init(globalLock, nil)
    }

    deinit {
        levels.deallocate()
        links0.deallocate()
        upperOffsets.deallocate()
        upperLinks.deallocate()
        for i in 0...lockMask { pthread_mutex_destroy(locks + i) }
        locks.deallocate()
        pthread_mutex_destroy(globalLock)
        globalLock.deallocate()
    }

    @inline(__always) func row(_ node: Int, _ level: Int) -> UnsafeMutablePointer<Int32> {
        if level == 0 { return links0 + node * stride0 }
        return upperLinks + (Int(upperOffsets[node]) + level - 1) * strideUpper
    }

    @inline(__always) func vector(_ node: Int32) -> UnsafePointer<Float> { vectors + Int(node) * dim }

    @inline(__always) func lock(_ node: Int) { pthread_mutex_lock(locks + (node & lockMask)) }
    @inline(__always) func unlock(_ node: Int) { pthread_mutex_unlock(locks + (node & lockMask)) }

    func run(threads: Int) {
        guard count > 0 else { return }
        // Insertion order: by level, highest first, then by id (so the upper levels are built among themselves
        // before the mass of level-0 nodes arrives, and the first node is a top-level node that stays the entry).
        var order = [Int32](unsafeUninitializedCapacity: count) { buffer, initialized in
            for i in 0..<count { buffer[i] = Int32(i) }
            initialized = count
        }
        let levels = self.levels
        order.sort { levels[Int($0)] > levels[Int($1)] || (levels[Int($0)] == levels[Int($1)] && $0 < $1) }
        entryPoint = order[0]
        maxLevel = Int(levels[Int(order[0])])
        let workers = max(1, min(threads, count - 1))
        let scratches = (0..<workers).map { _ in
            HNSWScratch(nodeCount: count, ef: parameters.efConstruction, maxLinks: m0)
        }
        let box = ScratchBox(scratches)
        let orderBox = OrderBox(order)
        Parallel.forEach(count: count - 1, threads: workers) { worker, item in
            self.insert(orderBox.order[item + 1], scratch: box.scratches[worker])
        }
    }

    func finish() -> HNSWGraph {
        let l0 = IndexArray(UnsafeBufferPointer(start: links0, count: count * stride0))
        let offs = IndexArray(UnsafeBufferPointer(start: upperOffsets, count: count + 1))
        let up = IndexArray(UnsafeBufferPointer(start: upperLinks, count: upperRows * strideUpper))
        return HNSWGraph(parameters: parameters, count: count, dimension: dim, entryPoint: count > 0 ? entryPoint : -1,
                         maxLevel: count > 0 ? maxLevel : 0, links0: l0, upperOffsets: offs, upperLinks: up)
    }

    /// Copies the list of `node` at `level` into `buffer` under the node's lock; returns its length.
    @inline(__always) func copyLinks(_ node: Int, _ level: Int, into buffer: UnsafeMutablePointer<Int32>) -> Int {
        lock(node)
        let r = row(node, level)
        let n = Int(r[0])
        buffer.update(from: r + 1, count: n)
        unlock(node)
        return n
    }

    func insert(_ q: Int32, scratch: HNSWScratch) {
        let level = Int(levels[Int(q)])
        pthread_mutex_lock(globalLock)
        let entry = entryPoint
        let top = maxLevel
        let holdsGlobal = level > top
        if !holdsGlobal { pthread_mutex_unlock(globalLock) }

        let qv = vector(q)
        var current = entry
        var currentScore = VectorKernels.dot(qv, vector(current), count: dim)
        var l = top
        while l > level {
            var changed = true
            while changed {
                changed = false
                let n = copyLinks(Int(current), l, into: scratch.neighbours)
                for i in 0..<n {
                    let c = scratch.neighbours[i]
                    let s = VectorKernels.dot(qv, vector(c), count: dim)
                    if s > currentScore {
                        currentScore = s
                        current = c
                        changed = true
                    }
                }
            }
            l -= 1
        }

        l = min(level, top)
        while l >= 0 {
            let found = searchLayer(qv, entry: current, entryScore: currentScore, level: l, scratch: scratch)
            current = scratch.work[0].id
            currentScore = scratch.work[0].score
            let chosen = selectNeighbours(scratch.work, found, limit: l == 0 ? m0 : m, into: scratch.selected)
            let own = row(Int(q), l)
            lock(Int(q))
            own[0] = Int32(chosen)
            for i in 0..<chosen { own[1 + i] = scratch.selected[i].id }
            unlock(Int(q))
            for i in 0..<chosen {
                connect(scratch.selected[i].id, to: q, score: scratch.selected[i].score, level: l, scratch: scratch)
            }
            l -= 1
        }

        if holdsGlobal {
            entryPoint = q
            maxLevel = level
            pthread_mutex_unlock(globalLock)
        }
    }

    /// SEARCH-LAYER with `ef = efConstruction`: leaves the found nodes in `scratch.work`, best first, and returns
    /// how many.
    func searchLayer(_ qv: UnsafePointer<Float>, entry: Int32, entryScore: Float, level: Int, scratch: HNSWScratch) -> Int {
        let ef = parameters.efConstruction
        let tag = scratch.beginSearch(entry: entry, score: entryScore)
        let visited = scratch.visited
        var candidates = scratch.candidates
        var results = scratch.results
        let buffer = scratch.neighbours
        while candidates.count > 0 {
            let best = candidates.top
            if -best.score < results.top.score && results.count >= ef { break }
            candidates.pop()
            let n = copyLinks(Int(best.id), level, into: buffer)
            // Keep the unvisited ones (in place), then compute their products back to back.
            var fresh = 0
            for i in 0..<n {
                let c = buffer[i]
                if visited[Int(c)] != tag {
                    visited[Int(c)] = tag
                    buffer[fresh] = c
                    fresh += 1
                }
            }
            for i in 0..<fresh {
                let c = buffer[i]
                let s = VectorKernels.dot(qv, vector(c), count: dim)
                offerToBeam(s, c, ef: ef, results: &results, candidates: &candidates)
            }
        }
        let found = results.count
        var j = found - 1
        while results.count > 0 {
            scratch.work[j] = results.pop()
            j -= 1
        }
        // Deterministic order among equal scores.
        var sortable = UnsafeMutableBufferPointer(start: scratch.work, count: found)
        sortable.sort(by: Self.better)
        scratch.candidates = candidates
        scratch.results = results
        return found
    }

    @inline(__always) static func better(_ a: HNSWEntry, _ b: HNSWEntry) -> Bool {
        a.score > b.score || (a.score == b.score && a.id < b.id)
    }

    /// The heuristic of Algorithm 4: walks `candidates` (sorted best first by similarity to the base node) and
    /// keeps one only if it is closer to the base than to every neighbour kept so far; stops at `limit`.
    @inline(__always)
    func selectNeighbours(_ candidates: UnsafeMutablePointer<HNSWEntry>, _ n: Int, limit: Int,
                          into selected: UnsafeMutablePointer<HNSWEntry>) -> Int {
        var kept = 0
        var i = 0
        while i < n && kept < limit {
            let c = candidates[i]
            let cv = vector(c.id)
            var good = true
            var j = 0
            while j < kept {
                if VectorKernels.dot(cv, vector(selected[j].id), count: dim) > c.score {
                    good = false
                    break
                }
                j += 1
            }
            if good {
                selected[kept] = c
                kept += 1
            }
            i += 1
        }
        return kept
    }

    /// Adds `q` to the list of `node` at `level`, shrinking the list with the heuristic when it is full.
    func connect(_ node: Int32, to q: Int32, score: Float, level: Int, scratch: HNSWScratch) {
        let limit = level == 0 ? m0 : m
        lock(Int(node))
        let r = row(Int(node), level)
        let n = Int(r[0])
        if n < limit {
            r[1 + n] = q
            r[0] = Int32(n + 1)
            unlock(Int(node))
            return
        }
        let nv = vector(node)
        let work = scratch.pruneWork
        for i in 0..<n {
            let c = r[1 + i]
            work[i] = HNSWEntry(score: VectorKernels.dot(nv, vector(c), count: dim), id: c)
        }
        work[n] = HNSWEntry(score: score, id: q)
        var sortable = UnsafeMutableBufferPointer(start: work, count: n + 1)
        sortable.sort(by: Self.better)
        let kept = selectNeighbours(work, n + 1, limit: limit, into: scratch.pruneSelected)
        r[0] = Int32(kept)
        for i in 0..<kept { r[1 + i] = scratch.pruneSelected[i].id }
        unlock(Int(node))
    }
}

/// Per-worker scratch objects handed to the build threads (each worker index is used by one thread at a time).
private final class ScratchBox: @unchecked Sendable {
    let scratches: [HNSWScratch]
    init(_ scratches: [HNSWScratch]) { self.scratches = scratches }
}

/// The insertion order handed to the build threads (read only).
private final class OrderBox: @unchecked Sendable {
    let order: [Int32]
    init(_ order: [Int32]) { self.order = order }
}
