/// An entry of `tokenizer.json`'s `added_tokens`.
public struct AddedToken: Sendable, Equatable {
    /// The token text.
    public var content: String
    /// Only match when not adjacent to word characters.
    public var singleWord: Bool
    /// Absorb white space on the left.
    public var lstrip: Bool
    /// Absorb white space on the right.
    public var rstrip: Bool
    /// Match on normalized text (true) or on the raw input (false).
    public var normalized: Bool
    /// A special token (dropped by `decode(skipSpecialTokens: true)`).
    public var special: Bool

    /// Creates an added token; defaults are HF's.
    public init(content: String, singleWord: Bool = false, lstrip: Bool = false, rstrip: Bool = false,
                normalized: Bool = true, special: Bool = false) {
        self.content = content
        self.singleWord = singleWord
        self.lstrip = lstrip
        self.rstrip = rstrip
        self.normalized = normalized
        self.special = special
    }

    /// Equality of all fields; contents compare by UTF-8 bytes.
    public static func == (lhs: AddedToken, rhs: AddedToken) -> Bool {
        lhs.sameFields(as: rhs)
    }
}

extension AddedToken {
    /// Equality of all fields, the content compared by UTF-8 bytes (Rust's derived `PartialEq`).
    func sameFields(as other: AddedToken) -> Bool {
        content.utf8.elementsEqual(other.content.utf8) && singleWord == other.singleWord && lstrip == other.lstrip
            && rstrip == other.rstrip && normalized == other.normalized && special == other.special
    }
}

/// HF `AddedVocabulary`: added tokens with their ids and the two matchers (raw and normalized text).
struct AddedVocabulary: Sendable {
    /// Content → id (UTF-8 byte keys; lookups do not allocate).
    let contentTable: ByteStringTable
    /// The distinct contents, in registration order.
    let contents: [String]
    /// Id → token (the last token registered for the id, as HF's `added_tokens_map_r`).
    let idToToken: [Int32: AddedToken]
    /// Contents of the special tokens.
    let specialTable: ByteStringTable
    /// Matcher over the raw input (`normalized: false` tokens).
    let rawMatcher: TokenMatcher
    /// Matcher over normalized text (`normalized: true` tokens, patterns normalized).
    let normalizedMatcher: TokenMatcher

    /// Registers `tokens` in file order the way HF's `AddedVocabulary::add_tokens` does: a token already in
    /// the model vocabulary keeps the model's id, others get ids after the vocabulary (the `id` written in
    /// the file is not used).
    init(tokens: [AddedToken], model: WordPiece, normalizer: Normalizer?) {
        var contentToId: [[UInt8]: Int32] = [:]
        var idToToken: [Int32: AddedToken] = [:]
        var specialOrder: [AddedToken] = []
        var specialContents: Set<[UInt8]> = []
        var nonSpecial: [AddedToken] = []
        for token in tokens where token.special && !token.content.isEmpty {
            let key = Array(token.content.utf8)
            if specialContents.insert(key).inserted { specialOrder.append(token) }
        }
        let modelSize = Int64(model.count)
        var maxId: Int32? = nil
        for token in tokens {
            let key = Array(token.content.utf8)
            if key.isEmpty { continue }
            // HF skips a token equal (all fields) to one already registered.
            if let known = contentToId[key], let existing = idToToken[known], existing.sameFields(as: token) { continue }
            let id: Int32
            if let known = contentToId[key] ?? model.id(for: token.content) {
                id = known
            } else if let maxId {
                id = Int64(maxId) >= modelSize || modelSize == 0 ? maxId + 1 : Int32(truncatingIfNeeded: modelSize)
            } else {
                id = Int32(truncatingIfNeeded: modelSize)
            }
            contentToId[key] = id
            maxId = max(maxId ?? id, id)
            idToToken[id] = token
            if !specialContents.contains(key) { nonSpecial.append(token) }
        }
        var raw: [(pattern: [UInt32], id: Int32)] = []
        var normalized: [(pattern: [UInt32], id: Int32)] = []
        for token in specialOrder + nonSpecial {
            guard let id = contentToId[Array(token.content.utf8)] else { continue }
            if token.normalized {
                let pattern = normalizer?.normalize(token.content) ?? [UInt32](scalarsOf: token.content)
                normalized.append((pattern, id))
            } else {
                raw.append(([UInt32](scalarsOf: token.content), id))
            }
        }
        var contentTable = ByteStringTable(expectedCount: contentToId.count)
        var contents: [String] = []
        for token in tokens where !token.content.isEmpty {
            guard let id = contentToId[Array(token.content.utf8)], contentTable.find(token.content) < 0 else { continue }
            contentTable.insert(token.content, value: id)
            contents.append(token.content)
        }
        var specialTable = ByteStringTable(expectedCount: specialOrder.count)
        for token in specialOrder { specialTable.insert(token.content, value: 0) }
        self.contentTable = contentTable
        self.contents = contents
        self.idToToken = idToToken
        self.specialTable = specialTable
        self.rawMatcher = TokenMatcher(patterns: raw)
        self.normalizedMatcher = TokenMatcher(patterns: normalized)
    }

    /// True if `content` is the content of a special token.
    func isSpecial(_ content: String) -> Bool {
        specialTable.find(content) >= 0
    }

    /// Id of the added token with exactly this content.
    func id(for content: String) -> Int32? {
        let entry = contentTable.find(content)
        return entry >= 0 ? contentTable.values[entry] : nil
    }

    /// HF `find_matches`: splits `s[range]` into pieces, those matching an added token carrying its id.
    /// Honours `single_word`, `lstrip` and `rstrip`; empty pieces are dropped.
    func split(_ s: [UInt32], _ range: Range<Int>, with matcher: TokenMatcher) -> [(range: Range<Int>, id: Int32?)] {
        guard !range.isEmpty else { return [] }
        guard !matcher.isEmpty else { return [(range, nil)] }
        var pieces: [(range: Range<Int>, id: Int32?)] = []
        var startOffset = range.lowerBound
        for match in matcher.matches(in: s, range) {
            var start = match.range.lowerBound
            var stop = match.range.upperBound
            let id = match.id
            guard let token = idToToken[id] else { continue }
            if token.singleWord {
                let startSpace = start == range.lowerBound || !UnicodeClasses.isWordCharacter(s[start - 1])
                let stopSpace = stop == range.upperBound || !UnicodeClasses.isWordCharacter(s[stop])
                if !startSpace || !stopSpace { continue }
            }
            if token.lstrip {
                var newStart = start
                while newStart > range.lowerBound && UnicodeClasses.isWhitespace(s[newStart - 1]) { newStart -= 1 }
                start = max(newStart, startOffset)
            }
            if token.rstrip {
                while stop < range.upperBound && UnicodeClasses.isWhitespace(s[stop]) { stop += 1 }
            }
            if startOffset < start { pieces.append((startOffset..<start, nil)) }
            pieces.append((start..<stop, id))
            startOffset = stop
        }
        if startOffset < range.upperBound { pieces.append((startOffset..<range.upperBound, nil)) }
        return pieces.filter { !$0.range.isEmpty }
    }
}

/// Leftmost-longest, non-overlapping matching of a small set of scalar patterns (what HF does with an
/// Aho-Corasick automaton in `MatchKind::LeftmostLongest`).
struct TokenMatcher: Sendable {
    private let patterns: [[UInt32]]
    private let ids: [Int32]
    /// Pattern indices by first scalar, longest first (ties: earlier pattern first).
    private let byFirst: [UInt32: [Int]]
    /// Bitmap over the low 8 bits of first scalars, to skip most positions without a dictionary lookup.
    private let firstFilter: [UInt64]

    init(patterns list: [(pattern: [UInt32], id: Int32)]) {
        let kept = list.filter { !$0.pattern.isEmpty }
        patterns = kept.map(\.pattern)
        ids = kept.map(\.id)
        var byFirst: [UInt32: [Int]] = [:]
        var filter = [UInt64](repeating: 0, count: 4)
        for (i, p) in patterns.enumerated() {
            byFirst[p[0], default: []].append(i)
            filter[Int((p[0] & 0xFF) >> 6)] |= 1 << UInt64(p[0] & 63)
        }
        let lengths = patterns.map(\.count)
        self.byFirst = byFirst.mapValues { indices in
            indices.enumerated().sorted {
                lengths[$0.element] != lengths[$1.element] ? lengths[$0.element] > lengths[$1.element] : $0.offset < $1.offset
            }.map(\.element)
        }
        firstFilter = filter
    }

    var isEmpty: Bool { patterns.isEmpty }

    /// Non-overlapping leftmost-longest matches in `s[range]`, left to right.
    func matches(in s: [UInt32], _ range: Range<Int>) -> [(range: Range<Int>, id: Int32)] {
        var found: [(range: Range<Int>, id: Int32)] = []
        var i = range.lowerBound
        outer: while i < range.upperBound {
            let c = s[i]
            if firstFilter[Int((c & 0xFF) >> 6)] & (1 << UInt64(c & 63)) != 0, let candidates = byFirst[c] {
                for p in candidates {
                    let pattern = patterns[p]
                    guard pattern.count <= range.upperBound - i else { continue }
                    var ok = true
                    for k in 1..<pattern.count where s[i + k] != pattern[k] {
                        ok = false
                        break
                    }
                    if ok {
                        found.append((i..<i + pattern.count, ids[p]))
                        i += pattern.count
                        continue outer
                    }
                }
            }
            i += 1
        }
        return found
    }
}
