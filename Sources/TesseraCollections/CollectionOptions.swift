import TesseraKernels
import TesseraSearch

/// Settings of an opened collection (not stored: each process that opens a collection chooses its own).
public struct CollectionOptions: Sendable {
    /// Encoder threads for adds and merges.
    public var threads = Parallel.availableCores
    /// How searchers are opened, and the default per-query parameters.
    public var search = SearchOptions()
    /// Segments above which a write merges some (0: never merge automatically): the recent small segments among
    /// themselves while an older segment is more than 4 times their size, else all of them into one.
    public var mergeThreshold = 16
    /// Verify every array's SHA-256 when a segment is opened.
    public var verifyChecksums = true

    /// Defaults.
    public init() {}
}
