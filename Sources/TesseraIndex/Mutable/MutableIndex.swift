/// A row of a ``MutableIndex`` as it is added: the content and its external id.
public protocol IdentifiedRow: Sendable {
    /// The external id the row is added, replaced, found and deleted by.
    var id: String { get }
}

/// An index that changes after it is opened, addressed by external string ids, searched with per-call parameters:
/// the shape of FAISS's `Index` behind an id map (`add_with_ids`, `remove_ids`, `search` with `SearchParameters`),
/// shared by the in-memory ``FlatVectorIndex`` and the durable `DocumentCollection`.
///
/// The contract every conformer keeps (and the tests check on each):
/// - ``add(_:)`` refuses the whole batch when one of its ids is present or repeated, and adds nothing then;
/// - ``upsert(_:)`` replaces the rows whose ids are present and adds the others;
/// - ``delete(ids:)`` returns how many of the ids were present; absent ids are not an error;
/// - a search sees every row added before it started and none deleted before it started, and never a row twice.
public protocol MutableIndex: AnyObject, Sendable {
    /// What ``add(_:)`` takes per row.
    associatedtype Row: IdentifiedRow
    /// What a search takes.
    associatedtype Query
    /// The settings one search may change.
    associatedtype Parameters
    /// What a search returns per row found.
    associatedtype Hit: Sendable

    /// Opens the index stored at `path`.
    static func open(at path: String) throws -> Self
    /// Live rows.
    var count: Int { get }
    /// Whether a live row has this id.
    func contains(id: String) -> Bool
    /// Adds rows whose ids are all new, as one batch.
    func add(_ rows: [Row]) throws
    /// Adds rows, replacing those with the same ids, as one batch.
    func upsert(_ rows: [Row]) throws
    /// Deletes rows by id; returns how many were present.
    @discardableResult func delete(ids: [String]) throws -> Int
    /// The parameters of a search that gives none.
    var defaultParameters: Parameters { get }
    /// The `k` best live rows for `query`, with this call's `parameters`.
    func search(_ query: Query, k: Int, parameters: Parameters) throws -> [Hit]
}

extension MutableIndex {
    /// The `k` best live rows for `query`, with the default parameters.
    public func search(_ query: Query, k: Int) throws -> [Hit] {
        try search(query, k: k, parameters: defaultParameters)
    }
}

/// An id and a score: what an index addressed by external ids returns per row found.
public struct IdentifiedScore: Sendable, Equatable {
    /// The row's external id.
    public var id: String
    /// Its score (higher is better).
    public var score: Float

    /// Makes a hit.
    public init(id: String, score: Float) {
        self.id = id
        self.score = score
    }
}
