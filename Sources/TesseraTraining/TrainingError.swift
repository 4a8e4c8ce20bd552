/// A failure while training, with a one-line reason naming the file, line or setting at fault.
public struct TrainingError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What kind of failure this is.
    public enum Code: String, Sendable {
        case invalidModel, invalidData, invalidArgument, diverged, checkpoint, configurationChanged
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
