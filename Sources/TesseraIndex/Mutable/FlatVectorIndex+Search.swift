import TesseraKernels

/// Exact search over one snapshot of the rows.
extension FlatVectorIndex {
    /// The `k` best live rows for `query` (the index's dimension of values), best first, ties by storage order.
    public func search(_ query: [Float], k: Int, parameters: FlatVectorSearchParameters) throws -> [IdentifiedScore] {
        guard k >= 1 else { throw IndexError(.invalidArgument, "k must be at least 1, not \(k)") }
        guard query.count == dimension else {
            throw IndexError(.invalidArgument, "the query has \(query.count) values; the index's dimension is \(dimension)")
        }
        guard query.allSatisfy(\.isFinite) else { throw IndexError(.invalidArgument, "the query has a value that is not finite") }
        let width = parameters.dimension ?? dimension
        guard width >= 1 && width <= dimension else {
            throw IndexError(.invalidArgument, "search dimension \(width) must be between 1 and the index's \(dimension)")
        }
        guard parameters.threads >= 1 else { throw IndexError(.invalidArgument, "threads must be at least 1, not \(parameters.threads)") }
        var q = Array(query.prefix(width))
        if metric == .cosine {
            guard q.contains(where: { $0 != 0 }) else {
                throw IndexError(.invalidArgument, "the query's first \(width) values are all zeros, which has no direction (metric cosine)")
            }
            q = Self.normalised(q)
        }
        let snapshot = current
        let n = snapshot.ids.count
        guard n > 0 else { return [] }
        // Rows are normalised over the full width; a shorter prefix is renormalised per row.
        let renormalise = metric == .cosine && width < dimension
        let workers = max(1, min(parameters.threads, n / 1024 + 1))
        let chunk = (n + workers - 1) / workers
        let heaps = TopKSlots(count: workers, k: k)
        let d = dimension
        snapshot.values.withUnsafeBufferPointer { values in
            q.withUnsafeBufferPointer { qb in
                guard let base = values.baseAddress, let qp = qb.baseAddress else { return }
                let rowsBase = UnsafeSendablePointer(readOnly: base), queryBase = UnsafeSendablePointer(readOnly: qp)
                Parallel.forEach(count: workers, threads: workers) { worker, part in
                    var top = TopK(k: k)
                    for row in part * chunk ..< min(n, (part + 1) * chunk) {
                        let r = rowsBase.pointer + row * d
                        var score = VectorKernels.dot(queryBase.pointer, r, count: width)
                        if renormalise {
                            let norm = VectorKernels.dot(r, r, count: width).squareRoot()
                            score = norm > 0 ? score / norm : 0
                        }
                        top.insert(Int32(row), score)
                    }
                    heaps.set(part, top)
                }
            }
        }
        var merged = TopK(k: k)
        for top in heaps.all { for hit in top.sorted() { merged.insert(hit) } }
        return merged.sorted().map { IdentifiedScore(id: snapshot.ids[Int($0.document)], score: $0.score) }
    }
}

/// One result slot per worker, each written by its worker only.
private final class TopKSlots: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<TopK>
    private let count: Int
    init(count: Int, k: Int) {
        self.count = count
        slots = .allocate(capacity: count)
        slots.initialize(repeating: TopK(k: k), count: count)
    }
    deinit {
        slots.deinitialize(count: count)
        slots.deallocate()
    }
    func set(_ slot: Int, _ top: TopK) { slots[slot] = top }
    var all: [TopK] { Array(UnsafeBufferPointer(start: slots, count: count)) }
}
