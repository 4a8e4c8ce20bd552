/// An input/output failure with a one-line, human-readable reason.
public struct IOError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What kind of failure this is.
    public enum Code: String, Sendable {
        case missingFile, readFailed, writeFailed, invalidJSON, invalidUTF8, invalidInput, invalidFormat
    }
    /// The kind of failure.
    public var code: Code
    /// The reason, one line.
    public var message: String
    /// Makes an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
    /// The reason, one line.
    public var description: String { message }
}
