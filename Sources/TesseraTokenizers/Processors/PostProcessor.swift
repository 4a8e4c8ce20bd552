/// A `tokenizer.json` post-processor of a supported kind (or none).
enum PostProcessor: Sendable {
    /// No post-processor: sequences are concatenated, the pair with type id 1, no special tokens.
    case none
    /// `TemplateProcessing`.
    case template(TemplateProcessing)
    /// `BertProcessing`: `[CLS] A [SEP]` / `[CLS] A [SEP] B [SEP]`, B and its `[SEP]` with type id 1.
    case bert(cls: (token: String, id: Int32), sep: (token: String, id: Int32))

    /// Number of special tokens added to a single sequence or a pair.
    func addedTokens(pair: Bool) -> Int {
        switch self {
        case .none: return 0
        case let .template(t): return t.addedTokens(pair: pair)
        case .bert: return pair ? 3 : 2
        }
    }

    /// Builds the final encoding from the (already truncated) sequences.
    func process(_ a: SequenceTokens, _ b: SequenceTokens?, addSpecialTokens: Bool) throws(TokenizerError) -> Encoding {
        switch self {
        case let .template(t):
            return try t.process(a, b, addSpecialTokens: addSpecialTokens)
        case .none:
            var out = Encoding()
            out.appendSequence(a, typeId: 0)
            if let b { out.appendSequence(b, typeId: 1) }
            return out
        case let .bert(cls, sep):
            var out = Encoding()
            if addSpecialTokens {
                out.append(id: cls.id, typeId: 0, token: cls.token, offsets: 0..<0, special: 1, attention: 1)
            }
            out.appendSequence(a, typeId: 0)
            if addSpecialTokens {
                out.append(id: sep.id, typeId: 0, token: sep.token, offsets: 0..<0, special: 1, attention: 1)
            }
            if let b {
                out.appendSequence(b, typeId: 1)
                if addSpecialTokens {
                    out.append(id: sep.id, typeId: 1, token: sep.token, offsets: 0..<0, special: 1, attention: 1)
                }
            }
            return out
        }
    }
}
