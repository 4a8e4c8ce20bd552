import Foundation

/// A parsed JSON value.
///
/// Strings are compared by their UTF-8 bytes (not by Swift's canonical-equivalence `String ==`), so two
/// values are equal exactly when they would serialize to the same bytes (modulo number formatting).
public enum JSONValue: Sendable, Equatable {
    /// The literal `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number, stored as a `Double` (exact for integers up to 2^53).
    case number(Double)
    /// A string.
    case string(String)
    /// An array, in file order.
    case array([JSONValue])
    /// An object, with its members in file order (duplicates kept).
    case object(JSONObject)

    /// Structural equality; strings and keys compare by UTF-8 bytes.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.string(a), .string(b)): return a.utf8.elementsEqual(b.utf8)
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)): return a == b
        default: return false
        }
    }
}

/// A JSON object: its members in file order, with lookup by exact UTF-8 key bytes.
public struct JSONObject: Sendable, Equatable {
    /// The members in file order. Duplicate keys are kept; ``subscript(_:)`` returns the first.
    public var entries: [(key: String, value: JSONValue)]

    /// Creates an object from members in order.
    public init(_ entries: [(key: String, value: JSONValue)] = []) {
        self.entries = entries
    }

    /// The number of members (duplicates included).
    public var count: Int { entries.count }

    /// The keys in file order.
    public var keys: [String] { entries.map(\.key) }

    /// The value of the first member whose key has exactly the UTF-8 bytes of `key`, or nil.
    ///
    /// Keys are compared byte for byte, not with Swift's canonical equivalence, so `"é"` (U+00E9) and
    /// `"e\u{301}"` are different keys.
    public subscript(key: String) -> JSONValue? {
        var key = key
        return key.withUTF8 { wanted -> JSONValue? in
            for entry in entries where JSONObject.utf8Equal(entry.key, wanted) {
                return entry.value
            }
            return nil
        }
    }

    /// Member-wise equality; keys compare by UTF-8 bytes, order matters.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.entries.count == rhs.entries.count else { return false }
        for (a, b) in zip(lhs.entries, rhs.entries) {
            guard a.key.utf8.elementsEqual(b.key.utf8), a.value == b.value else { return false }
        }
        return true
    }

    static func utf8Equal(_ string: String, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var string = string
        return string.withUTF8 { own in
            guard own.count == bytes.count else { return false }
            guard let a = own.baseAddress, let b = bytes.baseAddress else { return true }
            return memcmp(a, b, own.count) == 0
        }
    }
}

extension JSONValue {
    /// The string, if this is a string.
    public var stringValue: String? {
        if case let .string(s) = self { return s }
        return nil
    }

    /// The number, if this is a number.
    public var doubleValue: Double? {
        if case let .number(d) = self { return d }
        return nil
    }

    /// The number as an `Int`, if this is a number with an exact integer value that fits in `Int`.
    public var intValue: Int? {
        guard case let .number(d) = self, d.rounded(.towardZero) == d,
              d >= -9.223372036854775808e18, d < 9.223372036854775808e18 else { return nil }
        return Int(d)
    }

    /// The Boolean, if this is `true` or `false`.
    public var boolValue: Bool? {
        if case let .bool(b) = self { return b }
        return nil
    }

    /// The elements, if this is an array.
    public var arrayValue: [JSONValue]? {
        if case let .array(a) = self { return a }
        return nil
    }

    /// The object, if this is an object.
    public var objectValue: JSONObject? {
        if case let .object(o) = self { return o }
        return nil
    }

    /// True if this is `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The first member named `key` if this is an object, else nil.
    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }
}
