extension Tokenizer {
    /// Encodes `text` (and optionally `pair`), HF `encode(text, pair, add_special_tokens)` with char offsets.
    ///
    /// No truncation unless `truncation` is given (then with special tokens counted in `maxLength`, as HF);
    /// no padding (see ``pad(_:padding:)``).
    ///
    /// - Throws: ``TokenizerError`` when truncation cannot be satisfied (`onlyFirst`/`onlySecond` on a
    ///   sequence that is too short, `onlySecond` without a pair, `maxLength` smaller than the special
    ///   tokens), when the unknown token is needed but missing from the vocabulary, or when a pair is given
    ///   to a template without a pair form.
    public func encode(_ text: String, pair: String? = nil, addSpecialTokens: Bool = true,
                       truncation: Truncation? = nil) throws(TokenizerError) -> Encoding {
        var first = try encodeSequence(text)
        var second: SequenceTokens? = nil
        if let pair { second = try encodeSequence(pair) }
        if let truncation {
            let added = addSpecialTokens ? postProcessor.addedTokens(pair: pair != nil) : 0
            guard truncation.maxLength >= added else {
                throw TokenizerError(.invalidArgument,
                                     "truncation max length \(truncation.maxLength) is smaller than the \(added) special tokens")
            }
            let budget = truncation.maxLength - added
            guard truncation.stride == 0 || (truncation.stride > 0 && truncation.stride < budget) else {
                throw TokenizerError(.invalidArgument,
                                     "truncation stride \(truncation.stride) must be smaller than the effective max length \(budget)")
            }
            try truncation.apply(budget: budget, &first, &second)
        }
        return try postProcessor.process(first, second, addSpecialTokens: addSpecialTokens)
    }

    /// Encodes several texts (each alone), in order.
    public func encodeBatch(_ texts: [String], addSpecialTokens: Bool = true,
                            truncation: Truncation? = nil) throws(TokenizerError) -> [Encoding] {
        var out: [Encoding] = []
        out.reserveCapacity(texts.count)
        for text in texts {
            out.append(try encode(text, addSpecialTokens: addSpecialTokens, truncation: truncation))
        }
        return out
    }

    /// One sequence through added-token split, normalizer, pre-tokenizer and model.
    func encodeSequence(_ text: String) throws(TokenizerError) -> SequenceTokens {
        let raw = [UInt32](scalarsOf: text)
        var out = SequenceTokens()
        guard !raw.isEmpty else { return out }
        out.ids.reserveCapacity(raw.count / 3 + 4)
        out.tokens.reserveCapacity(raw.count / 3 + 4)
        out.offsets.reserveCapacity(raw.count / 3 + 4)
        let rawOrigins = (0..<Int32(raw.count)).map { $0 }
        var norm = NormalizedText()
        var words: [Range<Int>] = []
        var scratch = WordPiece.Scratch()

        for segment in addedVocabulary.split(raw, 0..<raw.count, with: addedVocabulary.rawMatcher) {
            if let id = segment.id {
                out.append(id, Self.string(raw[segment.range]), segment.range)
                continue
            }
            let start = norm.count
            if let normalizer {
                normalizer.normalize(raw[segment.range], rawOrigins[segment.range], into: &norm)
            } else {
                norm.scalars.append(contentsOf: raw[segment.range])
                norm.origins.append(contentsOf: rawOrigins[segment.range])
            }
            let pieces = addedVocabulary.split(norm.scalars, start..<norm.count, with: addedVocabulary.normalizedMatcher)
            for piece in pieces {
                if let id = piece.id {
                    out.append(id, norm.string(piece.range), norm.originalRange(piece.range))
                    continue
                }
                words.removeAll(keepingCapacity: true)
                if let preTokenizer {
                    preTokenizer.split(norm, piece.range, into: &words)
                } else {
                    words.append(piece.range)
                }
                for word in words where !word.isEmpty {
                    try model.tokenize(norm, word, into: &out, scratch: &scratch)
                }
            }
        }
        return out
    }

    static func string(_ scalars: ArraySlice<UInt32>) -> String {
        var s = String.UnicodeScalarView()
        for c in scalars {
            if let u = Unicode.Scalar(c) { s.append(u) }
        }
        return String(s)
    }
}
