/// Keeps the `k` best scored documents seen so far (a bounded min-heap), with deterministic ties.
public struct TopK: Sendable {
    /// How many to keep.
    public let k: Int
    private var heap: [ScoredDocument] = []

    /// Makes an empty selection of at most `k` documents.
    public init(k: Int) {
        self.k = max(0, k)
        heap.reserveCapacity(self.k)
    }

    /// The number of documents held.
    public var count: Int { heap.count }

    /// The worst score held when full (a candidate must beat it), else -infinity.
    @inlinable public var threshold: Float { isFull ? worst.score : -.infinity }

    /// Whether `k` documents are held.
    public var isFull: Bool { heap.count >= k }

    /// The worst document held (the heap root). Only valid when not empty.
    public var worst: ScoredDocument { heap[0] }

    /// Offers a document; kept if it ranks among the best `k`.
    @inlinable
    public mutating func insert(_ doc: Int32, _ score: Float) {
        insert(ScoredDocument(document: doc, score: score))
    }

    /// Offers a document; kept if it ranks among the best `k`.
    public mutating func insert(_ item: ScoredDocument) {
        guard k > 0 else { return }
        if heap.count < k {
            heap.append(item)
            siftUp(heap.count - 1)
        } else if ScoredDocument.ranksBefore(item, heap[0]) {
            heap[0] = item
            siftDown(0)
        }
    }

    /// The held documents, best first.
    public func sorted() -> [ScoredDocument] {
        heap.sorted(by: ScoredDocument.ranksBefore)
    }

    /// Removes everything (keeps capacity).
    public mutating func removeAll() { heap.removeAll(keepingCapacity: true) }

    // Min-heap by ranking: the root is the document that ranks last.
    private mutating func siftUp(_ index: Int) {
        var i = index
        while i > 0 {
            let parent = (i - 1) / 2
            if ScoredDocument.ranksBefore(heap[parent], heap[i]) { heap.swapAt(parent, i); i = parent } else { break }
        }
    }

    private mutating func siftDown(_ index: Int) {
        var i = index
        let n = heap.count
        while true {
            let l = 2 * i + 1, r = l + 1
            var worst = i
            if l < n && ScoredDocument.ranksBefore(heap[worst], heap[l]) { worst = l }
            if r < n && ScoredDocument.ranksBefore(heap[worst], heap[r]) { worst = r }
            if worst == i { return }
            heap.swapAt(i, worst)
            i = worst
        }
    }
}
