import Foundation

/// A (similarity, node) pair in the search heaps.
struct HNSWEntry {
    var score: Float
    var id: Int32
}

/// A binary min-heap on `score` over manually managed storage (grows by doubling, never shrinks, so a reused
/// heap stops allocating after warm-up). The candidate queue stores negated scores to pop the best first.
struct HNSWMinHeap {
    private(set) var base: UnsafeMutablePointer<HNSWEntry>
    private(set) var capacity: Int
    var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    func deallocate() { base.deallocate() }

    /// The smallest score (the heap must not be empty).
    @inline(__always) var top: HNSWEntry { base[0] }

    @inline(__always) mutating func removeAll() { count = 0 }

    @inline(__always) mutating func push(_ score: Float, _ id: Int32) {
        if count == capacity { grow() }
        var i = count
        count += 1
        while i > 0 {
            let parent = (i - 1) >> 1
            let p = base[parent]
            if p.score <= score { break }
            base[i] = p
            i = parent
        }
        base[i] = HNSWEntry(score: score, id: id)
    }

    /// Removes and returns the smallest entry (the heap must not be empty).
    @inline(__always) @discardableResult mutating func pop() -> HNSWEntry {
        let result = base[0]
        count -= 1
        if count > 0 { siftDownFromRoot(base[count]) }
        return result
    }

    /// Replaces the smallest entry by a new one (cheaper than pop + push).
    @inline(__always) mutating func replaceTop(_ score: Float, _ id: Int32) {
        siftDownFromRoot(HNSWEntry(score: score, id: id))
    }

    @inline(__always) private mutating func siftDownFromRoot(_ last: HNSWEntry) {
        var i = 0
        let n = count
        while true {
            var child = 2 * i + 1
            if child >= n { break }
            if child + 1 < n && base[child + 1].score < base[child].score { child += 1 }
            if base[child].score >= last.score { break }
            base[i] = base[child]
            i = child
        }
        base[i] = last
    }

    private mutating func grow() {
        let bigger = UnsafeMutablePointer<HNSWEntry>.allocate(capacity: capacity * 2)
        bigger.update(from: base, count: count)
        base.deallocate()
        base = bigger
        capacity *= 2
    }
}

/// Per-search working memory: a visited set keyed by a generation counter (cleared in O(1) per query, fully
/// only when the counter wraps), the two heaps and a neighbour buffer.
final class HNSWScratch {
    let nodeCount: Int
    private(set) var visited: UnsafeMutablePointer<UInt16>
    private(set) var generation: UInt16 = 0
    var candidates: HNSWMinHeap
    var results: HNSWMinHeap
    /// A copy of one neighbour list (the build reads lists under their lock, then works on the copy).
    let neighbours: UnsafeMutablePointer<Int32>
    /// Inner products of `neighbours` (search).
    let scores: UnsafeMutablePointer<Float>
    /// The insertion's candidate set `W`, sorted best first (build only).
    let work: UnsafeMutablePointer<HNSWEntry>
    /// Neighbours chosen by the selection heuristic (build only).
    let selected: UnsafeMutablePointer<HNSWEntry>
    /// Candidates when shrinking an overfull neighbour list (build only).
    let pruneWork: UnsafeMutablePointer<HNSWEntry>
    /// The shrunk list (build only).
    let pruneSelected: UnsafeMutablePointer<HNSWEntry>
    let workCapacity: Int

    init(nodeCount: Int, ef: Int, maxLinks: Int) {
        self.nodeCount = nodeCount
        visited = .allocate(capacity: max(nodeCount, 1))
        visited.initialize(repeating: 0, count: max(nodeCount, 1))
        candidates = HNSWMinHeap(capacity: ef * 2)
        results = HNSWMinHeap(capacity: ef + 1)
        workCapacity = max(ef, maxLinks) + 2
        neighbours = .allocate(capacity: workCapacity)
        scores = .allocate(capacity: workCapacity)
        work = .allocate(capacity: workCapacity)
        selected = .allocate(capacity: workCapacity)
        pruneWork = .allocate(capacity: workCapacity)
        pruneSelected = .allocate(capacity: workCapacity)
    }

    deinit {
        visited.deallocate()
        candidates.deallocate()
        results.deallocate()
        neighbours.deallocate()
        scores.deallocate()
        work.deallocate()
        selected.deallocate()
        pruneWork.deallocate()
        pruneSelected.deallocate()
    }

    /// Starts a best-first search from `entry`: new visit tag, empty heaps holding only the entry, entry marked
    /// visited. Returns the tag.
    func beginSearch(entry: Int32, score: Float) -> UInt16 {
        let tag = nextGeneration()
        candidates.removeAll()
        results.removeAll()
        visited[Int(entry)] = tag
        candidates.push(-score, entry)
        results.push(score, entry)
        return tag
    }

    /// Starts a new visit: returns the tag that marks a node as visited in this search.
    @inline(__always) func nextGeneration() -> UInt16 {
        if generation == UInt16.max {
            visited.update(repeating: 0, count: max(nodeCount, 1))
            generation = 0
        }
        generation &+= 1
        return generation
    }
}

/// A pool of scratch objects shared by concurrent queries: a query takes one (or makes one when all are in use)
/// and gives it back, so steady-state queries allocate nothing but their result array.
final class HNSWScratchPool: @unchecked Sendable {
    private let lock = NSLock()
    private var free: [HNSWScratch] = []
    private let nodeCount: Int
    private let maxLinks: Int

    init(nodeCount: Int, maxLinks: Int) {
        self.nodeCount = nodeCount
        self.maxLinks = maxLinks
        free.reserveCapacity(8)
    }

    /// A scratch object for one query (its heaps grow to `ef` on first use and are reused afterwards).
    func take(ef: Int) -> HNSWScratch {
        lock.lock()
        let s = free.popLast()
        lock.unlock()
        return s ?? HNSWScratch(nodeCount: nodeCount, ef: ef, maxLinks: maxLinks)
    }

    func give(_ scratch: HNSWScratch) {
        lock.lock()
        if free.count < 64 { free.append(scratch) }
        lock.unlock()
    }
}

/// One step of the beam search (search and build): a newly scored node joins the `ef` best results (evicting the
/// worst when full) and, if it did, the candidates still to expand.
@inline(__always)
func offerToBeam(_ score: Float, _ node: Int32, ef: Int, results: inout HNSWMinHeap, candidates: inout HNSWMinHeap) {
    if results.count < ef {
        results.push(score, node)
        candidates.push(-score, node)
    } else if score > results.top.score {
        results.replaceTop(score, node)
        candidates.push(-score, node)
    }
}
