/// Why a collection operation failed; `code` tells a caller (the server) which kind of answer to give.
public struct CollectionError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Kinds of failure.
    public enum Code: String, Sendable {
        /// The input is invalid (a document without an id or text, a duplicate id in a batch, a bad name).
        case invalidInput
        /// A document with this id exists already (`add`; `upsert` replaces it), or appears twice in one batch.
        case documentExists
        /// The collection (or a mode's index in it) does not exist.
        case notFound
        /// A collection exists already where one is created.
        case alreadyExists
        /// A stored file is damaged or of an unknown format.
        case corrupted
        /// Reading, writing or syncing a file failed.
        case io
    }

    /// The kind of failure.
    public var code: Code
    /// A one-line message naming what failed.
    public var message: String

    /// Makes an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
