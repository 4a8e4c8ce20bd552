import TesseraIO

extension WARPIndexBuilder {
    /// Builds a compressed index at `destination` from the float vectors of an exact `tokens` index folder
    /// (arrays `vectors`, `token_ids`, `document_offsets`, document ids, and `titles` / `texts` / learned `saliences`
    /// when present),
    /// keeping its model identity and its tokenisation parameters.
    public static func build(fromExactIndex exact: String, destination: String, parameters: WARPBuildParameters,
                             progress: (@Sendable (String) -> Void)? = nil) throws
        -> (documents: Int, tokens: Int, bytes: Int, peakRSSBytes: Int) {
        let folder = try IndexFolder(path: exact, kind: .tokens, verifyChecksums: false)
        let table = try TokenVectorTable(folder: folder)
        let store = try DocumentStore(folder: folder)
        let d = table.dimension
        let builder = try WARPIndexBuilder(destination: destination, dimension: d, parameters: parameters)
        builder.progress = progress
        for doc in 0..<table.documents {
            let range = table.tokenRange(of: doc)
            try builder.add(documentID: store.ids[doc],
                            vectors: UnsafeBufferPointer(start: table.baseAddress + range.lowerBound * d, count: range.count * d),
                            tokenIds: Array(table.tokenIDs.buffer[range]), saliences: table.saliences.map { Array($0.buffer[range]) })
        }
        var extra = JSONObject()
        for key in ["model_folder", "max_length", "pooling", "skip_special", "skip_punctuation", "vocabulary_size"] {
            if let v = folder.manifest.parameters[key] { extra.entries.append((key, v)) }
        }
        return try builder.finish(model: folder.manifest.model, parameters: extra, titles: store.titles.map(Array.init),
                                  texts: store.texts.map(Array.init))
    }
}
