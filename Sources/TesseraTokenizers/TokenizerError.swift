/// An error from loading `tokenizer.json` or from encoding.
///
/// `description` is one line. For parts of `tokenizer.json` this implementation does not handle it starts
/// with `unsupported: ` and names the part (e.g. `unsupported: model type "BPE"`).
public struct TokenizerError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The kind of failure.
    public enum Code: Sendable, Equatable {
        /// The tokenizer file does not exist.
        case fileNotFound
        /// The file exists but could not be read.
        case unreadable
        /// The file is not valid JSON (or not valid UTF-8).
        case invalidJSON
        /// The JSON is well formed but does not describe a valid tokenizer.
        case invalidConfiguration
        /// The file uses a component or option this implementation does not support.
        case unsupported
        /// Truncation could not be applied with the given parameters.
        case truncation
        /// The model's unknown token is not in its vocabulary.
        case missingUnknownToken
        /// An argument to a tokenizer call is invalid.
        case invalidArgument
    }

    /// The kind of failure.
    public var code: Code
    /// A one-line explanation (the whole text of `description`).
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message; starts with `unsupported: ` for ``Code/unsupported``.
    public var description: String { message }

    static func unsupported(_ what: String) -> TokenizerError {
        TokenizerError(.unsupported, "unsupported: \(what)")
    }

    static func invalid(_ what: String) -> TokenizerError {
        TokenizerError(.invalidConfiguration, "invalid tokenizer.json: \(what)")
    }
}
