import Foundation

/// A value shared between threads or tasks in a test, read and changed under a lock.
public final class LockedValue<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T

    /// Holds `value`.
    public init(_ value: T) { stored = value }

    /// The value now.
    public var value: T { lock.withLock { stored } }

    /// Replaces the value.
    public func set(_ value: T) { lock.withLock { stored = value } }

    /// Changes the value in place and returns what `body` returns.
    @discardableResult
    public func update<R>(_ body: (inout T) throws -> R) rethrows -> R { try lock.withLock { try body(&stored) } }
}

extension LockedValue {
    /// Appends to an array value.
    public func append<E>(_ element: E) where T == [E] { update { $0.append(element) } }
}
