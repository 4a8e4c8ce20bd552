/// A failure loading or running a model, with a one-line reason that names the file or tensor.
public struct ModelError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What kind of failure this is.
    public enum Code: String, Sendable {
        case missingFile, corruptFile, invalidTensor, missingTensor, wrongShape, unsupported, invalidConfig, invalidInput
        case fetchFailed, writeFailed
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
