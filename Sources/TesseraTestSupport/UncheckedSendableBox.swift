/// A mutable box for collecting results from a `@Sendable` closure in a test (the closure's callers run it on one thread
/// at a time, or write disjoint parts).
public final class UncheckedSendableBox<T>: @unchecked Sendable {
    /// The value.
    public var value: T
    /// Boxes `value`.
    public init(_ value: T) { self.value = value }
}
