import TesseraIngest
import TesseraModels

extension QueryTokens {
    /// Encodes a query's token vectors (L2-normalised) with `model`, keeping the tokens `filter` keeps (the
    /// index's own filter), with their learned saliences when the model has salience heads; a query made only of
    /// filtered tokens keeps them all rather than become empty.
    /// `maxLength` defaults to 64 tokens, or the model's positions if fewer (a PyLate folder with markers: its
    /// `query_length`).
    public static func encode(_ text: String, model: EmbeddingModel, filter: TokenFilter, maxLength: Int?) throws -> QueryTokens {
        // A folder with PyLate markers encodes queries its way (marker, expansion to its query_length).
        let input = model.markers.isActive ? try model.tokenize(text, role: .query, maxLength: maxLength)
            : try model.tokenize(text, maxLength: maxLength ?? min(64, model.encoder.config.maxPositions))
        let out = try model.embedTokens(inputs: [input], options: EmbedOptions(threads: 1), normalize: true, saliences: .query)
        var vectors: [Float] = []
        var ids: [Int32] = []
        var saliences: [Float]? = out.saliences == nil ? nil : []
        let d = model.tokenDimension
        for (t, id) in input.ids.enumerated() where filter.keeps(id) {
            vectors.append(contentsOf: out.vectors[(t * d)..<((t + 1) * d)])
            ids.append(id)
            if let u = out.saliences { saliences?.append(u[t]) }
        }
        if ids.isEmpty {
            vectors = out.vectors
            ids = input.ids
            saliences = out.saliences
        }
        return QueryTokens(vectors: vectors, tokenIds: ids, dimension: d, saliences: saliences)
    }
}
