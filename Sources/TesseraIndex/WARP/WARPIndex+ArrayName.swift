extension WARPIndex {
    /// Array names of a compressed (`tokens-warp`) index folder, written by ``WARPIndexBuilder`` and read by
    /// ``WARPIndex/init(path:verifyChecksums:)``.
    public enum ArrayName {
        /// fp16 bits, `centroids × dimension`.
        public static let centroids = "centroids"
        /// float32, `2^bits - 1` bucket boundaries of the residual codec.
        public static let bucketCutoffs = "bucket_cutoffs"
        /// float32, `2^bits` bucket values of the residual codec.
        public static let bucketWeights = "bucket_weights"
        /// int64, `centroids + 1` offsets of each centroid's postings.
        public static let centroidOffsets = "centroid_offsets"
        /// uint8, packed residual codes, one row per posting.
        public static let codes = "codes"
        /// int32, the document of each posting.
        public static let postingDocuments = "posting_documents"
        /// uint8, the quantised salience of each posting.
        public static let postingSaliences = "posting_saliences"
        /// float32, IDF per vocabulary id.
        public static let idf = "idf"
        /// int32, kept tokens per document.
        public static let documentLengths = "document_lengths"
    }
}
