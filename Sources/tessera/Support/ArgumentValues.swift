import ArgumentParser
import TesseraModels
import TesseraSearch

// Flags whose values are a closed set are enums, so that `--help` lists the values and a wrong one is refused by name.

extension SearchMode: ExpressibleByArgument {}
extension PoolingMode: ExpressibleByArgument {}

/// What `tessera index --kind` builds.
enum IndexKindArgument: String, CaseIterable, ExpressibleByArgument {
    /// One pooled vector per document (with an HNSW graph unless --no-hnsw; manifest kind `dense`, graph `hnsw`).
    case dense
    /// Token vectors: the compressed WARP index (manifest kind `tokens-warp`), or exact float32 with --exact (`tokens`).
    case tokens
    /// A BM25 inverted index (manifest kind `bm25`).
    case bm25
}

/// How `--mode hybrid` fuses its two rankings.
enum FusionArgument: String, CaseIterable, ExpressibleByArgument {
    /// Reciprocal rank fusion, k = 60.
    case rrf
    /// Min-max normalised scores, weighted by --weight.
    case score
}
