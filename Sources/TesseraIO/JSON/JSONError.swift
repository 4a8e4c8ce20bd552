/// A JSON syntax error, with the byte offset in the input where it was detected.
public struct JSONError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What is wrong, e.g. `"invalid UTF-8"` or `"unterminated string"`.
    public var message: String
    /// Offset of the offending byte from the start of the input.
    public var byteOffset: Int

    /// Creates an error.
    public init(message: String, byteOffset: Int) {
        self.message = message
        self.byteOffset = byteOffset
    }

    /// `"<message> at byte <offset>"`.
    public var description: String { "\(message) at byte \(byteOffset)" }
}
