import TesseraTokenizers

/// Which token vectors a multi-vector index keeps: optionally without the special tokens (`[CLS]`, `[SEP]`)
/// and without punctuation word pieces. Decided per vocabulary id once.
public struct TokenFilter: Sendable, Equatable {
    /// Drop special tokens.
    public var skipSpecial: Bool
    /// Drop tokens made only of punctuation.
    public var skipPunctuation: Bool
    private var dropped: [Bool]

    /// Builds the per-id table from the tokenizer's vocabulary.
    public init(tokenizer: Tokenizer, skipSpecial: Bool, skipPunctuation: Bool) {
        self.skipSpecial = skipSpecial
        self.skipPunctuation = skipPunctuation
        let special = Set(tokenizer.addedTokens.filter(\.special).compactMap { tokenizer.tokenId(for: $0.content) })
        dropped = (0..<tokenizer.vocabularySize).map { id in
            if skipSpecial && special.contains(Int32(id)) { return true }
            if skipPunctuation, let token = tokenizer.token(for: Int32(id)), !special.contains(Int32(id)) {
                let body = token.hasPrefix("##") ? String(token.dropFirst(2)) : token
                return !body.isEmpty && body.unicodeScalars.allSatisfy(Self.isPunctuation)
            }
            return false
        }
    }

    /// Whether the token with vocabulary id `id` is kept.
    @inlinable public func keeps(_ id: Int32) -> Bool { !(Int(id) < droppedCount && isDropped(Int(id))) }

    @usableFromInline var droppedCount: Int { dropped.count }
    @usableFromInline func isDropped(_ id: Int) -> Bool { dropped[id] }

    static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        if s.isASCII { return (0x21...0x2F).contains(s.value) || (0x3A...0x40).contains(s.value) || (0x5B...0x60).contains(s.value) || (0x7B...0x7E).contains(s.value) }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation: return true
        default: return false
        }
    }
}
