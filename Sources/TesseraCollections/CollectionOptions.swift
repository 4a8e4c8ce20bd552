import TesseraKernels
import TesseraSearch

/// Settings of an opened collection (not stored: each process that opens a collection chooses its own).
public struct CollectionOptions: Sendable {
    /// Encoder threads for adds and merges.
    public var threads = Parallel.availableCores
    /// How searchers are opened, and the default per-query parameters.
    public var search = SearchOptions()
    /// Segments above which a write merges them all into one (0: never merge automatically).
    public var mergeThreshold = 16
    /// Verify every array's SHA-256 when a segment is opened.
    public var verifyChecksums = true

    /// Defaults.
    public init() {}
}
