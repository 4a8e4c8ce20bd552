/// Compact JSON serialization into byte buffers.
public enum JSONWriter {
    /// Appends `s` as a JSON string literal (with quotes) to `out`: `"` and `\` are backslash-escaped,
    /// control characters U+0000–U+001F are written as `\u00XX`, everything else (non-ASCII included)
    /// as raw UTF-8.
    public static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""):
                out.append(UInt8(ascii: "\\"))
                out.append(b)
            case UInt8(ascii: "\\"):
                out.append(UInt8(ascii: "\\"))
                out.append(b)
            case 0..<0x20:
                let low = b & 0xF
                out.append(UInt8(ascii: "\\"))
                out.append(UInt8(ascii: "u"))
                out.append(UInt8(ascii: "0"))
                out.append(UInt8(ascii: "0"))
                out.append(UInt8(ascii: "0") + (b >> 4))
                out.append(low < 10 ? UInt8(ascii: "0") + low : UInt8(ascii: "a") + low - 10)
            default:
                out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Appends a number: integers of magnitude below 2^53 without a fraction (`3`, `-17`), others in
    /// Swift's shortest round-trip form (`0.1`, `1e-05`). Non-finite values have no JSON form and are
    /// written as `null`.
    public static func appendNumber(_ d: Double, to out: inout [UInt8]) {
        guard d.isFinite else {
            out.append(contentsOf: "null".utf8)
            return
        }
        if d.rounded(.towardZero) == d, abs(d) < 9_007_199_254_740_992 {
            if d == 0 && d.sign == .minus {
                out.append(contentsOf: "-0".utf8)
            } else {
                out.append(contentsOf: String(Int64(d)).utf8)
            }
        } else {
            out.append(contentsOf: d.description.utf8)
        }
    }

    /// Appends `value` in compact form (no whitespace), object members in their stored order.
    public static func appendValue(_ value: JSONValue, to out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case let .bool(b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case let .number(d): appendNumber(d, to: &out)
        case let .string(s): appendString(s, to: &out)
        case let .array(elements):
            out.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                appendValue(element, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case let .object(object):
            out.append(UInt8(ascii: "{"))
            for (i, entry) in object.entries.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                appendString(entry.key, to: &out)
                out.append(UInt8(ascii: ":"))
                appendValue(entry.value, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// The compact serialization of `value` as UTF-8 bytes.
    public static func encode(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        appendValue(value, to: &out)
        return out
    }
}
