extension TokenVectorTable {
    /// Array names in an index folder.
    public enum ArrayName {
        /// float32 `tokens × dimension`.
        public static let vectors = "vectors"
        /// int32 vocabulary id per token.
        public static let tokenIDs = "token_ids"
        /// int64 `documents + 1` offsets.
        public static let documentOffsets = "document_offsets"
        /// float32 learned salience per token (AligneR models only).
        public static let saliences = "saliences"
    }

    /// Opens the token arrays of an exact `tokens` index folder, sized by the manifest's `documents` and `tokens`
    /// counts and its dimension.
    public init(folder: IndexFolder) throws(IndexError) {
        guard let d = folder.manifest.dimension, d > 0 else {
            throw IndexError(.invalidManifest, "\(folder.path)/\(IndexManifest.fileName): a token index needs a positive dimension")
        }
        let documents = try folder.count("documents"), tokens = try folder.count("tokens")
        try self.init(vectors: try folder.array(ArrayName.vectors, as: Float.self, count: tokens * d),
                      tokenIDs: try folder.array(ArrayName.tokenIDs, as: Int32.self, count: tokens),
                      documentOffsets: try folder.array(ArrayName.documentOffsets, as: Int64.self, count: documents + 1),
                      saliences: folder.hasArray(ArrayName.saliences) ? try folder.array(ArrayName.saliences, as: Float.self, count: tokens) : nil,
                      dimension: d, name: folder.path)
    }

    /// Streams the arrays of a new exact token index into an ``IndexFolderWriter``: document by document, the
    /// vectors, ids and (when the writer was begun with them) saliences of its kept tokens.
    public final class Writer {
        private let writer: IndexFolderWriter
        private let vectors: IndexArrayStream<Float>
        private let tokenIDs: IndexArrayStream<Int32>
        private let saliences: IndexArrayStream<Float>?
        private let dimension: Int
        private var offsets: [Int64] = [0]

        /// Begins the arrays in `writer`; `saliences` says whether each token carries a learned salience.
        public init(writer: IndexFolderWriter, dimension: Int, saliences: Bool) throws(IndexError) {
            self.writer = writer
            self.dimension = dimension
            vectors = try writer.beginArray(ArrayName.vectors, of: Float.self)
            tokenIDs = try writer.beginArray(ArrayName.tokenIDs, of: Int32.self)
            self.saliences = saliences ? try writer.beginArray(ArrayName.saliences, of: Float.self) : nil
        }

        /// Tokens written so far.
        public var tokens: Int { tokenIDs.count }

        /// Appends documents, each as (vectors `n × dimension`, `n` ids, `n` saliences or nil).
        public func append(_ documents: [(vectors: [Float], ids: [Int32], saliences: [Float]?)]) throws(IndexError) {
            var keptVectors: [Float] = [], keptIDs: [Int32] = [], keptSaliences: [Float] = []
            for document in documents {
                guard document.vectors.count == document.ids.count * dimension else {
                    throw IndexError(.invalidArgument, "token index: \(document.vectors.count) values for \(document.ids.count) tokens of width \(dimension)")
                }
                if saliences != nil {
                    guard let s = document.saliences, s.count == document.ids.count else {
                        throw IndexError(.invalidArgument, "token index: every token needs a salience")
                    }
                    keptSaliences.append(contentsOf: s)
                }
                keptVectors.append(contentsOf: document.vectors)
                keptIDs.append(contentsOf: document.ids)
                offsets.append(Int64(tokenIDs.count + keptIDs.count))
            }
            try vectors.append(keptVectors)
            try tokenIDs.append(keptIDs)
            try saliences?.append(keptSaliences)
        }

        /// Closes the streams and writes the offsets; returns the token count.
        @discardableResult
        public func finish() throws(IndexError) -> Int {
            try vectors.finish()
            let count = tokenIDs.count
            try tokenIDs.finish()
            try saliences?.finish()
            try writer.addArray(ArrayName.documentOffsets, offsets)
            return count
        }
    }
}
