/// A `tokenizer.json` decoder of a supported kind (or none).
enum Decoder: Sendable, Equatable {
    /// No decoder: tokens joined with spaces.
    case none
    /// `WordPiece`: continuation prefix removed (other tokens get a leading space), optional cleanup.
    case wordPiece(prefix: String, cleanup: Bool)

    /// Decodes token strings to text (HF `decode_chain` then concatenation).
    func decode(_ tokens: [String]) -> String {
        switch self {
        case .none:
            return tokens.joined(separator: " ")
        case let .wordPiece(prefix, cleanup):
            let prefixBytes = Array(prefix.utf8)
            var out: [UInt8] = []
            for (i, token) in tokens.enumerated() {
                var piece = Array(token.utf8)
                if i != 0 {
                    if !prefixBytes.isEmpty, piece.starts(with: prefixBytes) {
                        piece.removeFirst(prefixBytes.count)
                    } else if prefixBytes.isEmpty {
                        // `replacen("", "", 1)` leaves the token unchanged.
                    } else {
                        piece.insert(0x20, at: 0)
                    }
                }
                if cleanup { piece = Self.cleanup(piece) }
                out.append(contentsOf: piece)
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// HF `wordpiece::cleanup`, applied to one token: byte-wise replacements, in this order.
    static func cleanup(_ input: [UInt8]) -> [UInt8] {
        var s = input
        for (from, to) in replacements { s = replaceAll(s, from, to) }
        return s
    }

    private static let replacements: [([UInt8], [UInt8])] = [
        (" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"), (" 'm", "'m"),
        (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"),
    ].map { (Array($0.0.utf8), Array($0.1.utf8)) }

    /// Replaces every non-overlapping occurrence of `pattern` (left to right), as Rust's `str::replace`.
    static func replaceAll(_ s: [UInt8], _ pattern: [UInt8], _ replacement: [UInt8]) -> [UInt8] {
        guard s.count >= pattern.count, !pattern.isEmpty else { return s }
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            if i + pattern.count <= s.count, s[i] == pattern[0], s[i..<i + pattern.count].elementsEqual(pattern) {
                out.append(contentsOf: replacement)
                i += pattern.count
            } else {
                out.append(s[i])
                i += 1
            }
        }
        return out
    }
}
