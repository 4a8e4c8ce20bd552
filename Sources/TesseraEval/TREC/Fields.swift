/// Byte-level helpers shared by the line-oriented readers (qrels, runs).
enum Fields {
    /// True for the ASCII whitespace that separates fields in TREC files (space, tab, VT, FF, CR).
    @inline(__always)
    static func isSpace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09 || b == 0x0B || b == 0x0C || b == 0x0D
    }

    /// True when a line holds only whitespace.
    static func isBlank(_ line: [UInt8]) -> Bool {
        line.allSatisfy(isSpace)
    }

    /// Splits on runs of whitespace; no empty fields.
    static func splitWhitespace(_ line: [UInt8]) -> [ArraySlice<UInt8>] {
        var fields: [ArraySlice<UInt8>] = []
        var i = 0
        let n = line.count
        while i < n {
            while i < n && isSpace(line[i]) { i += 1 }
            if i == n { break }
            let start = i
            while i < n && !isSpace(line[i]) { i += 1 }
            fields.append(line[start..<i])
        }
        return fields
    }

    /// Splits on every tab, trimming spaces around each field; fields may be empty.
    static func splitTabs(_ line: [UInt8]) -> [ArraySlice<UInt8>] {
        line.split(separator: 0x09, omittingEmptySubsequences: false).map(trim)
    }

    /// The slice without leading and trailing whitespace.
    static func trim(_ field: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var lower = field.startIndex
        var upper = field.endIndex
        while lower < upper && isSpace(field[lower]) { lower += 1 }
        while upper > lower && isSpace(field[upper - 1]) { upper -= 1 }
        return field[lower..<upper]
    }

    /// The bytes as a `String`, or nil when they are not valid UTF-8.
    static func string(_ bytes: ArraySlice<UInt8>) -> String? {
        if bytes.allSatisfy({ $0 < 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid: continue
            case .emptyInput: return String(decoding: bytes, as: UTF8.self)
            case .error: return nil
            }
        }
    }

    /// A short quoted form of an identifier for messages.
    static func quoted(_ s: String) -> String {
        let limit = 60
        let shown = s.count > limit ? String(s.prefix(limit)) + "…" : s
        return "\"" + shown + "\""
    }
}

/// Byte order of identifiers, as C `strcmp` compares them (unsigned bytes of the UTF-8 encoding).
@inline(__always)
func utf8Less(_ a: String, _ b: String) -> Bool {
    a.utf8.lexicographicallyPrecedes(b.utf8)
}
