import Foundation

extension EmbeddingModel {
    /// Tokenizes one text for token vectors as a query or a document, the way the folder's PyLate settings ask
    /// (``TokenMarkers``): truncated to the budget less one, the role's marker token inserted after `[CLS]`, and a query
    /// padded with `[MASK]` to its budget (query expansion), the padding masked out as keys unless the folder attends to
    /// expansion tokens. Without markers this is ``tokenize(_:maxLength:)``.
    ///
    /// `maxLength` defaults to the folder's `query_length` / `document_length` when it has markers (PyLate's defaults 32 and
    /// 180 when it does not say).
    public func tokenize(_ text: String, role: TokenRole, maxLength: Int? = nil) throws -> EncoderInput {
        guard markers.isActive else { return try tokenize(text, maxLength: maxLength) }
        let budget = try checkedMaxLength(maxLength ?? (role == .query ? markers.queryLength ?? 32 : markers.documentLength ?? 180))
        let prefix = role == .query ? markers.queryPrefix : markers.documentPrefix
        var marker: Int32? = nil
        if !prefix.isEmpty {
            guard let id = tokenizer.tokenId(for: prefix) else {
                throw ModelError(.invalidConfig, "\(folder): marker token \"\(prefix)\" (config_sentence_transformers.json) is not in the tokenizer's vocabulary")
            }
            marker = id
        }
        let base = try tokenize(text, maxLength: marker == nil ? budget : budget - 1)
        var ids = base.ids
        if let marker { ids.insert(marker, at: min(1, ids.count)) }
        var attended: Int? = nil
        if role == .query && markers.queryExpansion && ids.count < budget {
            guard let mask = tokenizer.tokenId(for: "[MASK]") else {
                throw ModelError(.invalidConfig, "\(folder): query expansion needs a [MASK] token, which the tokenizer lacks")
            }
            if !markers.attendToExpansion { attended = ids.count }
            ids += [Int32](repeating: mask, count: budget - ids.count)
        }
        return EncoderInput(ids: ids, typeIds: [Int32](repeating: 0, count: ids.count), attendedLength: attended)
    }

    /// The vocabulary ids of the folder's `skiplist_words` (PyLate drops these tokens from documents' vectors; a word
    /// the vocabulary lacks maps to `[UNK]`, as `convert_tokens_to_ids` does). Empty for folders that are not PyLate's.
    public var documentSkiplist: Set<Int32> {
        Set(markers.skiplistWords.compactMap { tokenizer.tokenId(for: $0) ?? tokenizer.tokenId(for: "[UNK]") })
    }
}
