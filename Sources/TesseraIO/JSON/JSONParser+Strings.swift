extension JSONParser {
    /// Parses a string starting at the opening quote. Validates UTF-8 and escapes; the result is
    /// built from byte ranges (directly from the input when there are no escapes).
    mutating func parseString() throws(JSONError) -> String {
        let open = pos
        pos += 1
        let start = pos
        // Fast path: no escapes.
        while pos < count {
            let b = base[pos]
            if b == UInt8(ascii: "\"") {
                let s = String(decoding: UnsafeBufferPointer(start: base + start, count: pos - start), as: UTF8.self)
                pos += 1
                return s
            }
            if b == UInt8(ascii: "\\") { break }
            if b < 0x20 { throw controlCharacter(at: pos) }
            if b < 0x80 {
                pos += 1
            } else {
                guard let n = utf8SequenceLength(at: pos) else { throw fail("invalid UTF-8", pos) }
                pos += n
            }
        }
        guard pos < count else { throw fail("unterminated string", open) }
        // Slow path: copy what we have, then decode escapes into the scratch buffer.
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(start: base + start, count: pos - start))
        while pos < count {
            let b = base[pos]
            if b == UInt8(ascii: "\"") {
                pos += 1
                return String(decoding: scratch, as: UTF8.self)
            }
            if b == UInt8(ascii: "\\") {
                try parseEscape()
            } else if b < 0x20 {
                throw controlCharacter(at: pos)
            } else if b < 0x80 {
                scratch.append(b)
                pos += 1
            } else {
                guard let n = utf8SequenceLength(at: pos) else { throw fail("invalid UTF-8", pos) }
                scratch.append(contentsOf: UnsafeBufferPointer(start: base + pos, count: n))
                pos += n
            }
        }
        throw fail("unterminated string", open)
    }

    func controlCharacter(at offset: Int) -> JSONError {
        let hex = String(base[offset], radix: 16, uppercase: true)
        return fail("unescaped control character U+\(String(repeating: "0", count: 4 - hex.count))\(hex) in string", offset)
    }

    /// Decodes one escape sequence at `pos` (the backslash) into `scratch`.
    mutating func parseEscape() throws(JSONError) {
        let escapeStart = pos
        guard pos + 1 < count else { throw fail("unterminated string", pos) }
        let c = base[pos + 1]
        pos += 2
        switch c {
        case UInt8(ascii: "\""): scratch.append(0x22)
        case UInt8(ascii: "\\"): scratch.append(0x5C)
        case UInt8(ascii: "/"): scratch.append(0x2F)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            let unit = try hex4()
            var scalar = UInt32(unit)
            if unit >= 0xDC00 && unit <= 0xDFFF {
                throw fail("lone low surrogate \\u escape", escapeStart)
            }
            if unit >= 0xD800 && unit <= 0xDBFF {
                guard pos + 1 < count, base[pos] == UInt8(ascii: "\\"), base[pos + 1] == UInt8(ascii: "u") else {
                    throw fail("lone high surrogate \\u escape", escapeStart)
                }
                pos += 2
                let low = try hex4()
                guard low >= 0xDC00 && low <= 0xDFFF else {
                    throw fail("lone high surrogate \\u escape", escapeStart)
                }
                scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            }
            appendUTF8(scalar)
        default:
            throw fail("invalid escape sequence", escapeStart)
        }
    }

    mutating func hex4() throws(JSONError) -> UInt16 {
        guard pos + 4 <= count else { throw fail("unterminated \\u escape", pos) }
        var value: UInt16 = 0
        for i in 0..<4 {
            let b = base[pos + i]
            let digit: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = b - UInt8(ascii: "A") + 10
            default: throw fail("invalid hex digit in \\u escape", pos + i)
            }
            value = value << 4 | UInt16(digit)
        }
        pos += 4
        return value
    }

    mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | (scalar >> 6)))
            scratch.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | (scalar >> 12)))
            scratch.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            scratch.append(UInt8(0xF0 | (scalar >> 18)))
            scratch.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            scratch.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }

    /// Length of the well-formed UTF-8 sequence (RFC 3629: no overlongs, no surrogates, at most
    /// U+10FFFF) starting at `offset` with a non-ASCII lead byte, or nil if it is not well formed.
    func utf8SequenceLength(at offset: Int) -> Int? {
        let b0 = base[offset]
        let remaining = count - offset
        @inline(__always) func cont(_ i: Int, _ lo: UInt8 = 0x80, _ hi: UInt8 = 0xBF) -> Bool {
            i < remaining && base[offset + i] >= lo && base[offset + i] <= hi
        }
        switch b0 {
        case 0xC2...0xDF: return cont(1) ? 2 : nil
        case 0xE0: return cont(1, 0xA0) && cont(2) ? 3 : nil
        case 0xE1...0xEC, 0xEE...0xEF: return cont(1) && cont(2) ? 3 : nil
        case 0xED: return cont(1, 0x80, 0x9F) && cont(2) ? 3 : nil
        case 0xF0: return cont(1, 0x90) && cont(2) && cont(3) ? 4 : nil
        case 0xF1...0xF3: return cont(1) && cont(2) && cont(3) ? 4 : nil
        case 0xF4: return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : nil
        default: return nil
        }
    }
}
