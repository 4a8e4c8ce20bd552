/// The result of encoding one text or one text pair: parallel arrays, one element per token.
public struct Encoding: Sendable, Equatable {
    /// Token ids.
    public var ids: [Int32]
    /// Segment (token type) ids: 0 for the first sequence, 1 for the pair (as set by the post-processor).
    public var typeIds: [Int32]
    /// Token strings (`"##ffa"` for continuation pieces; added tokens as matched, including any
    /// whitespace their `lstrip`/`rstrip` absorbed).
    public var tokens: [String]
    /// Character offsets in Unicode-scalar indices of the original input string the token came from (the
    /// pair's tokens index the pair text), as Python `tokenizers` reports them. Special tokens added by
    /// the post-processor and padding get `0..<0`.
    public var offsets: [Range<Int>]
    /// 1 for special tokens added by the post-processor and for padding, else 0.
    public var specialTokensMask: [UInt8]
    /// 1 for real tokens, 0 for padding.
    public var attentionMask: [UInt8]

    /// Creates an encoding from parallel arrays (all of the same length).
    public init(ids: [Int32] = [], typeIds: [Int32] = [], tokens: [String] = [], offsets: [Range<Int>] = [],
                specialTokensMask: [UInt8] = [], attentionMask: [UInt8] = []) {
        self.ids = ids
        self.typeIds = typeIds
        self.tokens = tokens
        self.offsets = offsets
        self.specialTokensMask = specialTokensMask
        self.attentionMask = attentionMask
    }

    /// The number of tokens (padding included).
    public var count: Int { ids.count }

    /// Equality of all arrays; token strings compare by UTF-8 bytes.
    public static func == (lhs: Encoding, rhs: Encoding) -> Bool {
        lhs.ids == rhs.ids && lhs.typeIds == rhs.typeIds && lhs.offsets == rhs.offsets
            && lhs.specialTokensMask == rhs.specialTokensMask && lhs.attentionMask == rhs.attentionMask
            && lhs.tokens.count == rhs.tokens.count
            && zip(lhs.tokens, rhs.tokens).allSatisfy { $0.utf8.elementsEqual($1.utf8) }
    }

    mutating func append(id: Int32, typeId: Int32, token: String, offsets range: Range<Int>,
                         special: UInt8, attention: UInt8) {
        ids.append(id)
        typeIds.append(typeId)
        tokens.append(token)
        offsets.append(range)
        specialTokensMask.append(special)
        attentionMask.append(attention)
    }
}

/// The tokens of one sequence before post-processing (no type ids or masks yet).
struct SequenceTokens: Sendable {
    var ids: [Int32] = []
    var tokens: [String] = []
    var offsets: [Range<Int>] = []

    var count: Int { ids.count }

    mutating func append(_ id: Int32, _ token: String, _ range: Range<Int>) {
        ids.append(id)
        tokens.append(token)
        offsets.append(range)
    }

    /// Keeps the first `n` tokens (right truncation).
    mutating func truncate(to n: Int) {
        guard n < ids.count else { return }
        ids.removeSubrange(n...)
        tokens.removeSubrange(n...)
        offsets.removeSubrange(n...)
    }
}
