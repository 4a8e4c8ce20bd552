import Foundation

extension JSONValue {
    /// The deepest nesting of arrays and objects ``parse(_:)-(UnsafeRawBufferPointer)`` accepts.
    public static let maximumNestingDepth = 512

    /// Parses one JSON text (RFC 8259, strict).
    ///
    /// Rejects invalid UTF-8 anywhere, lone surrogate `\u` escapes, unescaped control characters in
    /// strings, leading zeros, trailing commas, non-finite numbers, anything after the value but
    /// whitespace, and nesting deeper than ``maximumNestingDepth``.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONError) -> JSONValue {
        guard let base = bytes.baseAddress, bytes.count > 0 else {
            throw JSONError(message: "unexpected end of input", byteOffset: 0)
        }
        var parser = JSONParser(base: base.assumingMemoryBound(to: UInt8.self), count: bytes.count)
        return try parser.parseDocument()
    }

    /// Parses one JSON text held in a byte array. See ``parse(_:)-(UnsafeRawBufferPointer)``.
    public static func parse(_ bytes: [UInt8]) throws(JSONError) -> JSONValue {
        let result: Result<JSONValue, JSONError> = bytes.withUnsafeBytes { raw in
            do throws(JSONError) { return .success(try parse(raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Parses one JSON text held in `Data`. See ``parse(_:)-(UnsafeRawBufferPointer)``.
    public static func parse(_ data: Data) throws(JSONError) -> JSONValue {
        let result: Result<JSONValue, JSONError> = data.withUnsafeBytes { raw in
            do throws(JSONError) { return .success(try parse(raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Parses one JSON text from the UTF-8 of `string`.
    public static func parse(string: String) throws(JSONError) -> JSONValue {
        try parse(Array(string.utf8))
    }
}

/// Recursive-descent parser over a byte buffer. Strings are built from validated byte ranges, never
/// character by character.
struct JSONParser {
    let base: UnsafePointer<UInt8>
    let count: Int
    var pos = 0
    var depth = 0
    var scratch: [UInt8] = []

    init(base: UnsafePointer<UInt8>, count: Int) {
        self.base = base
        self.count = count
    }

    mutating func parseDocument() throws(JSONError) -> JSONValue {
        let value = try parseValue()
        skipWhitespace()
        if pos < count {
            throw JSONError(message: "unexpected trailing characters after the JSON value", byteOffset: pos)
        }
        return value
    }

    func fail(_ message: String, _ offset: Int) -> JSONError {
        JSONError(message: message, byteOffset: offset)
    }

    /// Error for an unexpected byte: says "invalid UTF-8" when the byte does not start valid UTF-8.
    func unexpected(_ offset: Int, expected: String) -> JSONError {
        if offset >= count { return fail("unexpected end of input, expected \(expected)", offset) }
        let b = base[offset]
        if b >= 0x80, utf8SequenceLength(at: offset) == nil { return fail("invalid UTF-8", offset) }
        if b >= 0x20 && b < 0x7F {
            return fail("unexpected character '\(Character(Unicode.Scalar(b)))', expected \(expected)", offset)
        }
        let hex = String(b, radix: 16, uppercase: true)
        return fail("unexpected byte 0x\(b < 0x10 ? "0" : "")\(hex), expected \(expected)", offset)
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while pos < count {
            let b = base[pos]
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
            pos += 1
        }
    }

    mutating func parseValue() throws(JSONError) -> JSONValue {
        skipWhitespace()
        guard pos < count else { throw fail("unexpected end of input, expected a value", pos) }
        switch base[pos] {
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw unexpected(pos, expected: "a value")
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONError) {
        let p = literal.utf8Start
        for i in 0..<literal.utf8CodeUnitCount {
            guard pos < count, base[pos] == p[i] else { throw unexpected(pos, expected: "'\(literal)'") }
            pos += 1
        }
    }

    mutating func enter() throws(JSONError) {
        depth += 1
        if depth > JSONValue.maximumNestingDepth {
            throw fail("nesting too deep (more than \(JSONValue.maximumNestingDepth) levels)", pos)
        }
    }

    mutating func parseArray() throws(JSONError) -> JSONValue {
        try enter()
        pos += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if pos < count, base[pos] == UInt8(ascii: "]") {
            pos += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            elements.append(try parseValue())
            skipWhitespace()
            guard pos < count else { throw fail("unexpected end of input in array", pos) }
            let b = base[pos]
            pos += 1
            if b == UInt8(ascii: ",") { continue }
            if b == UInt8(ascii: "]") { break }
            throw unexpected(pos - 1, expected: "',' or ']'")
        }
        depth -= 1
        return .array(elements)
    }

    mutating func parseObject() throws(JSONError) -> JSONValue {
        try enter()
        pos += 1  // {
        var entries: [(key: String, value: JSONValue)] = []
        skipWhitespace()
        if pos < count, base[pos] == UInt8(ascii: "}") {
            pos += 1
            depth -= 1
            return .object(JSONObject(entries))
        }
        while true {
            skipWhitespace()
            guard pos < count, base[pos] == UInt8(ascii: "\"") else {
                throw unexpected(pos, expected: "a string key")
            }
            let key = try parseString()
            skipWhitespace()
            guard pos < count, base[pos] == UInt8(ascii: ":") else { throw unexpected(pos, expected: "':'") }
            pos += 1
            let value = try parseValue()
            entries.append((key: key, value: value))
            skipWhitespace()
            guard pos < count else { throw fail("unexpected end of input in object", pos) }
            let b = base[pos]
            pos += 1
            if b == UInt8(ascii: ",") { continue }
            if b == UInt8(ascii: "}") { break }
            throw unexpected(pos - 1, expected: "',' or '}'")
        }
        depth -= 1
        return .object(JSONObject(entries))
    }

    mutating func parseNumber() throws(JSONError) -> Double {
        let start = pos
        var negative = false
        if base[pos] == UInt8(ascii: "-") {
            negative = true
            pos += 1
        }
        guard pos < count, isDigit(base[pos]) else { throw unexpected(pos, expected: "a digit") }
        var integer: Int64 = 0
        var digits = 0
        if base[pos] == UInt8(ascii: "0") {
            pos += 1
            if pos < count, isDigit(base[pos]) { throw fail("leading zero in number", start) }
        } else {
            while pos < count, isDigit(base[pos]) {
                if digits < 18 { integer = integer &* 10 &+ Int64(base[pos] &- 0x30) }
                digits += 1
                pos += 1
            }
        }
        var simple = digits <= 15
        if pos < count, base[pos] == UInt8(ascii: ".") {
            simple = false
            pos += 1
            guard pos < count, isDigit(base[pos]) else { throw unexpected(pos, expected: "a digit after '.'") }
            while pos < count, isDigit(base[pos]) { pos += 1 }
        }
        if pos < count, base[pos] == UInt8(ascii: "e") || base[pos] == UInt8(ascii: "E") {
            simple = false
            pos += 1
            if pos < count, base[pos] == UInt8(ascii: "+") || base[pos] == UInt8(ascii: "-") { pos += 1 }
            guard pos < count, isDigit(base[pos]) else { throw unexpected(pos, expected: "a digit in the exponent") }
            while pos < count, isDigit(base[pos]) { pos += 1 }
        }
        if simple {
            let value = Double(integer)
            return negative ? -value : value
        }
        let text = String(decoding: UnsafeBufferPointer(start: base + start, count: pos - start), as: UTF8.self)
        guard let value = Double(text), value.isFinite else { throw fail("number out of range", start) }
        return value
    }

    @inline(__always)
    func isDigit(_ b: UInt8) -> Bool { b &- 0x30 < 10 }
}
