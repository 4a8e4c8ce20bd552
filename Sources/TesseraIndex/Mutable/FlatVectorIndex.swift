import Foundation
import TesseraIO
import TesseraKernels

/// A vector with its external id: one row of a ``FlatVectorIndex``.
public struct IdentifiedVector: IdentifiedRow, Equatable {
    /// The external id.
    public var id: String
    /// The values (the index's dimension of them).
    public var vector: [Float]

    /// Makes a row.
    public init(id: String, vector: [Float]) {
        self.id = id
        self.vector = vector
    }
}

/// The settings one ``FlatVectorIndex`` search may change.
public struct FlatVectorSearchParameters: Sendable, Equatable {
    /// Matryoshka: score with the first `dimension` values of query and rows (nil: all of them); with the cosine
    /// metric the prefixes are renormalised.
    public var dimension: Int?
    /// Threads the search may use.
    public var threads = 1

    /// Makes parameters.
    public init(dimension: Int? = nil, threads: Int = 1) {
        self.dimension = dimension
        self.threads = threads
    }
}

/// An exact (brute-force) vector index held in memory that rows can be added to and deleted from, by external id:
/// FAISS's `IndexIDMap2(IndexFlatIP)`, for callers that bring their own vectors (from `/v1/embeddings`, another
/// model, a dense index). It reads any `dense` index folder and writes one (``write(to:model:)``), with the same
/// atomic commit as every index; in between it lives in memory only: nothing is durable until it is written.
///
/// Thread-safe: writes take a lock and publish a new snapshot of the rows; a search reads the snapshot it started
/// with, so it never sees half of a batch.
public final class FlatVectorIndex: MutableIndex, @unchecked Sendable {
    /// How rows are compared with a query.
    public enum Metric: String, Sendable, CaseIterable {
        /// The inner product of the values as given.
        case innerProduct = "inner_product"
        /// The cosine: the inner product of the L2-normalised values (of the prefix searched).
        case cosine
    }

    /// Width of every row.
    public let dimension: Int
    /// How rows are scored.
    public let metric: Metric

    let lock = NSLock()
    var rows: Rows

    /// The rows one snapshot holds: `ids.count × dimension` values, row-major, and where each id is.
    struct Rows: Sendable {
        var values: [Float] = []
        var ids: [String] = []
        var position: [String: Int] = [:]
    }

    /// An empty index of `dimension`-wide rows.
    public init(dimension: Int, metric: Metric = .cosine) throws(IndexError) {
        guard dimension >= 1 else { throw IndexError(.invalidArgument, "a vector index needs a dimension of at least 1, not \(dimension)") }
        self.dimension = dimension
        self.metric = metric
        rows = Rows()
    }

    init(dimension: Int, metric: Metric, rows: Rows) {
        self.dimension = dimension
        self.metric = metric
        self.rows = rows
    }

    /// The rows as they are now (a consistent snapshot).
    var current: Rows {
        lock.lock()
        defer { lock.unlock() }
        return rows
    }

    /// Live rows.
    public var count: Int { current.ids.count }

    /// The ids of the live rows, in storage order (a delete moves the last row into the hole).
    public var ids: [String] { current.ids }

    /// Whether a live row has this id.
    public func contains(id: String) -> Bool { current.position[id] != nil }

    /// The stored values of the row with this id (normalised under the cosine metric), if it is live.
    public func vector(id: String) -> [Float]? {
        let r = current
        guard let row = r.position[id] else { return nil }
        return Array(r.values[row * dimension ..< (row + 1) * dimension])
    }

    /// Adds rows whose ids are all new; refuses the whole batch otherwise.
    public func add(_ rows: [IdentifiedVector]) throws {
        try write(rows, replace: false)
    }

    /// Adds rows, replacing those with the same ids.
    public func upsert(_ rows: [IdentifiedVector]) throws {
        try write(rows, replace: true)
    }

    /// Deletes rows by id; returns how many were present.
    @discardableResult
    public func delete(ids: [String]) throws -> Int {
        lock.lock()
        defer { lock.unlock() }
        var removed = 0
        for id in Set(ids) where rows.position[id] != nil {
            Self.remove(id, from: &rows, dimension: dimension)
            removed += 1
        }
        return removed
    }

    /// Default search parameters: every dimension, one thread.
    public var defaultParameters: FlatVectorSearchParameters { FlatVectorSearchParameters() }

    private func write(_ batch: [IdentifiedVector], replace: Bool) throws {
        var seen = Set<String>()
        for (i, row) in batch.enumerated() {
            guard !row.id.isEmpty else { throw IndexError(.invalidArgument, "row \(i) of the batch has an empty id") }
            guard seen.insert(row.id).inserted else {
                throw IndexError(.invalidArgument, "id \"\(row.id)\" appears twice in the batch")
            }
            guard row.vector.count == dimension else {
                throw IndexError(.invalidArgument, "vector \"\(row.id)\" has \(row.vector.count) values; the index's dimension is \(dimension)")
            }
            guard row.vector.allSatisfy(\.isFinite) else {
                throw IndexError(.invalidArgument, "vector \"\(row.id)\" has a value that is not finite")
            }
            if metric == .cosine, !row.vector.contains(where: { $0 != 0 }) {
                throw IndexError(.invalidArgument, "vector \"\(row.id)\" is all zeros, which has no direction (metric cosine)")
            }
        }
        let prepared = metric == .cosine ? batch.map { Self.normalised($0.vector) } : batch.map(\.vector)
        lock.lock()
        defer { lock.unlock() }
        if !replace, let taken = batch.first(where: { rows.position[$0.id] != nil }) {
            throw IndexError(.invalidArgument, "id \"\(taken.id)\" is in the index already (upsert replaces it)")
        }
        guard rows.ids.count + batch.count <= Int(Int32.max) else {
            throw IndexError(.invalidArgument, "a vector index holds at most \(Int32.max) rows")
        }
        // Nothing below throws, so a batch lands whole. The rows are changed in place (a search that holds the
        // previous snapshot keeps its own copy).
        for (row, values) in zip(batch, prepared) {
            if let at = rows.position[row.id] {
                rows.values.replaceSubrange(at * dimension ..< (at + 1) * dimension, with: values)
            } else {
                rows.position[row.id] = rows.ids.count
                rows.ids.append(row.id)
                rows.values.append(contentsOf: values)
            }
        }
    }

    /// Removes `id` by moving the last row into its place.
    private static func remove(_ id: String, from r: inout Rows, dimension: Int) {
        guard let at = r.position.removeValue(forKey: id) else { return }
        let last = r.ids.count - 1
        if at != last {
            let moved = r.ids[last]
            r.ids[at] = moved
            r.position[moved] = at
            for j in 0..<dimension { r.values[at * dimension + j] = r.values[last * dimension + j] }
        }
        r.ids.removeLast()
        r.values.removeLast(dimension)
    }

    static func normalised(_ v: [Float]) -> [Float] {
        var out = v
        out.withUnsafeMutableBufferPointer { b in
            if let base = b.baseAddress { _ = VectorKernels.l2Normalize(base, count: b.count) }
        }
        return out
    }
}
