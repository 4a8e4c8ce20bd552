extension Tokenizer {
    /// Decodes ids to text (HF `decode`): unknown ids are dropped, special tokens too if
    /// `skipSpecialTokens`, then the decoder runs (WordPiece: `##` pieces glued, cleanup per token).
    public func decode(_ ids: [Int32], skipSpecialTokens: Bool = true) -> String {
        var tokens: [String] = []
        tokens.reserveCapacity(ids.count)
        for id in ids {
            guard let token = token(for: id) else { continue }
            if skipSpecialTokens && addedVocabulary.isSpecial(token) { continue }
            tokens.append(token)
        }
        return decoder.decode(tokens)
    }
}
