/// A failure reading, writing or validating an index folder, with a one-line reason that names the file.
public struct IndexError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What kind of failure this is.
    public enum Code: String, Sendable {
        /// The index folder does not exist.
        case missingFolder
        /// The folder has no `manifest.json`.
        case missingManifest
        /// `manifest.json` is not valid JSON or lacks a required field.
        case invalidManifest
        /// The manifest's format version is newer than this build reads, or not a known version.
        case unsupportedFormatVersion
        /// The manifest names an index kind this build does not know.
        case unknownKind
        /// The index is of another kind than the caller expected.
        case wrongKind
        /// An array file listed in the manifest is missing.
        case missingArray
        /// An array file's size disagrees with the manifest.
        case sizeMismatch
        /// An array file's SHA-256 disagrees with the manifest.
        case checksumMismatch
        /// An array's contents are inconsistent (offsets out of order, ids out of range, wrong element type).
        case invalidArray
        /// The index was built by another model or dimension than the caller uses.
        case incompatibleModel
        /// A bad argument (a duplicate array name, a duplicate document id, an unfinished array stream).
        case invalidArgument
        /// The destination exists and is not an index folder, so it is not replaced.
        case destinationNotIndex
        /// Reading a file failed.
        case readFailed
        /// Writing, syncing or renaming failed.
        case writeFailed
    }

    /// The kind of failure.
    public var code: Code
    /// The reason, one line, naming the file or folder concerned.
    public var message: String

    /// Makes an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The reason, one line.
    public var description: String { message }
}
