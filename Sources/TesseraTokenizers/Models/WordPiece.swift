/// HF `WordPiece` model: greedy longest-match-first over a vocabulary keyed by UTF-8 bytes.
struct WordPiece: Sendable {
    /// Token bytes → entry.
    let vocab: ByteStringTable
    /// For tokens starting with the continuation prefix: the bytes after the prefix → entry of the
    /// whole token. A lookup of `prefix + piece` in `vocab` is a lookup of `piece` here, without building
    /// the prefixed string.
    let continuation: ByteStringTable
    /// Id of each entry.
    let entryIds: [Int32]
    /// Token string of each entry.
    let entryStrings: [String]
    /// Id → token (for decoding).
    let idToToken: [Int32: String]
    /// The unknown token and its entry (nil if not in the vocabulary).
    let unkToken: String
    let unkEntry: Int?
    let continuingSubwordPrefix: String
    let maxInputCharsPerWord: Int

    /// Builds the model from vocabulary entries in file order (duplicate keys: the last id wins).
    init(vocabulary: [(token: String, id: Int32)], unkToken: String, continuingSubwordPrefix: String,
         maxInputCharsPerWord: Int) {
        var vocab = ByteStringTable(expectedCount: vocabulary.count)
        var ids: [Int32] = []
        var strings: [String] = []
        ids.reserveCapacity(vocabulary.count)
        strings.reserveCapacity(vocabulary.count)
        for (token, id) in vocabulary {
            let entry = vocab.insert(token, value: Int32(ids.count))
            if entry == ids.count {
                ids.append(id)
                strings.append(token)
            } else {
                ids[entry] = id
            }
        }
        var continuation = ByteStringTable(expectedCount: vocabulary.count / 4)
        let prefixLength = continuingSubwordPrefix.utf8.count
        for (entry, token) in strings.enumerated() {
            var token = token
            token.withUTF8 { bytes in
                guard bytes.count >= prefixLength,
                      bytes.prefix(prefixLength).elementsEqual(continuingSubwordPrefix.utf8) else { return }
                continuation.insert(UnsafeBufferPointer(rebasing: bytes[prefixLength...]), value: Int32(entry))
            }
        }
        var reverse: [Int32: String] = [:]
        reverse.reserveCapacity(strings.count)
        for (entry, id) in ids.enumerated() { reverse[id] = strings[entry] }
        self.vocab = vocab
        self.continuation = continuation
        self.entryIds = ids
        self.entryStrings = strings
        self.idToToken = reverse
        self.unkToken = unkToken
        let unk = vocab.find(unkToken)
        self.unkEntry = unk >= 0 ? unk : nil
        self.continuingSubwordPrefix = continuingSubwordPrefix
        self.maxInputCharsPerWord = maxInputCharsPerWord
    }

    /// Number of distinct tokens.
    var count: Int { entryIds.count }

    /// Id of `token` (exact UTF-8 bytes).
    func id(for token: String) -> Int32? {
        let entry = vocab.find(token)
        return entry >= 0 ? entryIds[entry] : nil
    }

    /// Reusable buffers for ``tokenize(_:_:into:scratch:)``.
    struct Scratch {
        var bytes: [UInt8] = []
        var bounds: [Int] = []
    }

    /// Appends the wordpieces of the word `text.scalars[word]` to `out`, with original offsets.
    func tokenize(_ text: NormalizedText, _ word: Range<Int>, into out: inout SequenceTokens,
                  scratch: inout Scratch) throws(TokenizerError) {
        let n = word.count
        if n > maxInputCharsPerWord {
            try appendUnknown(text, word, into: &out)
            return
        }
        scratch.bytes.removeAll(keepingCapacity: true)
        scratch.bounds.removeAll(keepingCapacity: true)
        scratch.bounds.append(0)
        for i in word {
            Self.appendUTF8(text.scalars[i], to: &scratch.bytes)
            scratch.bounds.append(scratch.bytes.count)
        }
        let firstNew = out.count
        let failed: Bool = scratch.bytes.withUnsafeBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress else { return true }
            let bounds = scratch.bounds
            var start = 0
            while start < n {
                let table = start == 0 ? vocab : continuation
                var end = n
                while end > start && bounds[end] - bounds[start] > table.maxKeyLength { end -= 1 }
                var found = -1
                while end > start {
                    found = table.find(base + bounds[start], bounds[end] - bounds[start])
                    if found >= 0 { break }
                    end -= 1
                }
                if found < 0 { return true }
                let entry = start == 0 ? found : Int(table.values[found])
                out.append(entryIds[entry], entryStrings[entry],
                           text.originalRange(word.lowerBound + start ..< word.lowerBound + end))
                start = end
            }
            return false
        }
        if failed {
            out.truncate(to: firstNew)
            try appendUnknown(text, word, into: &out)
        }
    }

    /// The whole word as one unknown token.
    private func appendUnknown(_ text: NormalizedText, _ word: Range<Int>, into out: inout SequenceTokens) throws(TokenizerError) {
        guard let unk = unkEntry else {
            throw TokenizerError(.missingUnknownToken, "the unknown token \"\(unkToken)\" is not in the vocabulary")
        }
        out.append(entryIds[unk], entryStrings[unk], text.originalRange(word))
    }

    @inline(__always)
    static func appendUTF8(_ c: UInt32, to out: inout [UInt8]) {
        if c < 0x80 {
            out.append(UInt8(c))
        } else if c < 0x800 {
            out.append(UInt8(0xC0 | (c >> 6)))
            out.append(UInt8(0x80 | (c & 0x3F)))
        } else if c < 0x10000 {
            out.append(UInt8(0xE0 | (c >> 12)))
            out.append(UInt8(0x80 | ((c >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (c & 0x3F)))
        } else {
            out.append(UInt8(0xF0 | (c >> 18)))
            out.append(UInt8(0x80 | ((c >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((c >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (c & 0x3F)))
        }
    }
}
