import ArgumentParser
import TesseraModels
import TesseraSearch
import TesseraTraining

// Flags whose values are a closed set are enums, so that `--help` lists the values and a wrong one is refused by name.

extension SearchMode: ExpressibleByArgument {}
extension PoolingMode: ExpressibleByArgument {}
extension InputFormat: ExpressibleByArgument {}

/// What `tessera index --kind` builds.
enum IndexKindArgument: String, CaseIterable, ExpressibleByArgument {
    /// One pooled vector per document (with an HNSW graph unless --no-hnsw; manifest kind `dense`, graph `hnsw`).
    case dense
    /// Token vectors: the compressed WARP index (manifest kind `tokens`, layout `warp`), or exact float32 with --exact (layout `exact`).
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

/// What `tessera train --loss` optimises.
enum LossArgument: String, CaseIterable, ExpressibleByArgument {
    /// In-batch softmax over cosine × scale (sentence-transformers' MultipleNegativesRankingLoss).
    case mnrl
    /// Gecko's (PAPERS.md §1).
    case gecko
    /// ColBERT's MaxSim contrastive loss over token vectors.
    case colbert
    /// XTR's objective (PAPERS.md §2).
    case xtr
    /// AligneR's sparse alignment with learned saliences (PAPERS.md §3).
    case aligner
}

/// How `tessera train --head-init` starts a new token head.
enum HeadInitArgument: String, CaseIterable, ExpressibleByArgument {
    /// Uniform ±1/√inputs, as PyLate initialises one.
    case random
    /// The principal directions of the encoder's token states on the training texts.
    case pca
}

/// `tessera train --salience-init`: how AligneR's new salience heads start.
enum SalienceInitArgument: String, CaseIterable, ExpressibleByArgument {
    /// Small random weights and bias 1: every token starts equally salient.
    case random
    /// Fitted to each token's inverse document frequency over the training documents (the IDF proxy's ranking).
    case idf
}
