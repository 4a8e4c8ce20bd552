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
        guard let d = folder.manifest.dimension else { throw IndexError(.invalidManifest, "\(exact): no dimension") }
        let documents = try folder.count("documents"), tokens = try folder.count("tokens")
        let vectors = try folder.array("vectors", as: Float.self, count: tokens * d)
        let ids = try folder.array("token_ids", as: Int32.self, count: tokens)
        let offsets = try folder.array("document_offsets", as: Int64.self, count: documents + 1)
        let learned = folder.hasArray("saliences") ? try folder.array("saliences", as: Float.self, count: tokens) : nil
        let names = try folder.documentIDs()
        guard names.count == documents else { throw IndexError(.invalidArray, "\(exact): \(names.count) ids for \(documents) documents") }
        let builder = try WARPIndexBuilder(destination: destination, dimension: d, parameters: parameters)
        builder.progress = progress
        for doc in 0..<documents {
            let lo = Int(offsets[doc]), hi = Int(offsets[doc + 1])
            guard lo <= hi, hi <= tokens else { throw IndexError(.invalidArray, "\(exact)/document_offsets.bin: bad offsets at \(doc)") }
            try builder.add(documentID: names[doc],
                            vectors: UnsafeBufferPointer(start: vectors.buffer.baseAddress.map { $0 + lo * d }, count: (hi - lo) * d),
                            tokenIds: Array(ids.buffer[lo..<hi]), saliences: learned.map { Array($0.buffer[lo..<hi]) })
        }
        var extra = JSONObject()
        for key in ["model_folder", "max_length", "pooling", "skip_special", "skip_punctuation", "vocabulary_size"] {
            if let v = folder.manifest.parameters[key] { extra.entries.append((key, v)) }
        }
        let titles = folder.hasArray("titles.bytes") ? Array(try folder.strings("titles")) : nil
        let texts = folder.hasArray("texts.bytes") ? Array(try folder.strings("texts")) : nil
        return try builder.finish(model: folder.manifest.model, parameters: extra, titles: titles, texts: texts)
    }
}
