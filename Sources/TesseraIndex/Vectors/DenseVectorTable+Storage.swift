extension DenseVectorTable {
    /// Array names in an index folder.
    public enum ArrayName {
        /// float32 `documents × dimension`.
        public static let vectors = "vectors"
    }

    /// Opens the vectors of a `dense` index folder: `manifest.dimension` wide, one row per manifest `documents`.
    public init(folder: IndexFolder) throws(IndexError) {
        guard let dimension = folder.manifest.dimension, dimension > 0 else {
            throw IndexError(.invalidManifest, "\(folder.path)/\(IndexManifest.fileName): a dense index needs a positive dimension")
        }
        let count = try folder.count("documents")
        guard count > 0 else { throw IndexError(.invalidArray, "\(folder.path): index has no documents") }
        try self.init(values: try folder.array(ArrayName.vectors, as: Float.self, count: count * dimension), count: count, dimension: dimension)
    }

    /// Begins streaming the vectors of a new dense index into `writer`.
    public static func beginWriting(into writer: IndexFolderWriter) throws(IndexError) -> IndexArrayStream<Float> {
        try writer.beginArray(ArrayName.vectors, of: Float.self)
    }
}
