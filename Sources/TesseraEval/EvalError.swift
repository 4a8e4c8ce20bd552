import TesseraIO

/// A failure while loading evaluation data or runs, with a one-line reason that names the file and,
/// where there is one, the line.
public struct EvalError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What kind of failure this is.
    public enum Code: String, Sendable {
        /// A file or folder that should exist does not.
        case missingFile
        /// A file could not be read or written.
        case ioFailure
        /// A line is not valid JSON or not valid UTF-8.
        case malformedJSON
        /// A line has the wrong number of fields or a field of the wrong kind.
        case malformedLine
        /// A required field is missing or has the wrong type.
        case missingField
        /// An identifier is empty.
        case emptyIdentifier
        /// An identifier appears twice where it must be unique.
        case duplicateIdentifier
        /// A file holds no records where at least one is required.
        case empty
        /// A value is out of range (a non-finite score, a bad cutoff).
        case invalidValue
    }

    /// The kind of failure.
    public var code: Code
    /// The reason, one line, naming the file and line where there is one.
    public var message: String

    /// Makes an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The reason, one line.
    public var description: String { message }

    /// Wraps an input/output error from TesseraIO, keeping its message.
    init(_ error: IOError) {
        switch error.code {
        case .missingFile: self.init(.missingFile, error.message)
        case .invalidJSON, .invalidUTF8: self.init(.malformedJSON, error.message)
        default: self.init(.ioFailure, error.message)
        }
    }
}
