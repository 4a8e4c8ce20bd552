import TesseraIndex
import TesseraIO
import TesseraKernels
import TesseraModels

/// Multi-vector search over a `tokens` index folder: ColBERT MaxSim, XTR or AligneR.
public final class TokenSearcher: Searcher {
    /// The index folder.
    public let folder: IndexFolder
    /// The query model (checked against the index's).
    public let model: EmbeddingModel
    /// External ids.
    public let documentIDs: StringTable
    /// The token vectors.
    public let corpus: TokenCorpus
    /// Which scoring runs.
    public let mode: SearchMode
    let options: SearchOptions
    let filter: TokenFilter
    let aligner: AlignerRetriever?

    /// Opens `path` for `mode` (colbert, xtr-exact or aligner-exact) with queries encoded by `model`.
    public init(path: String, model: EmbeddingModel, mode: SearchMode, options: SearchOptions, verifyChecksums: Bool = true) throws {
        let mode: SearchMode = mode == .xtr ? .xtrExact : (mode == .aligner ? .alignerExact : mode)
        guard [.colbert, .xtrExact, .alignerExact].contains(mode) else {
            throw IndexError(.invalidArgument, "mode \(mode.rawValue) does not read an exact token index")
        }
        folder = try IndexFolder(path: path, kind: .tokens, verifyChecksums: verifyChecksums)
        try folder.manifest.requireModel(try model.identity(), dimension: model.tokenDimension, folder: path)
        self.model = model
        self.mode = mode
        self.options = options
        documentIDs = try folder.documentIDs()
        let documents = try folder.count("documents")
        let tokens = try folder.count("tokens")
        let d = model.tokenDimension
        let vectors = try folder.array("vectors", as: Float.self, count: tokens * d)
        let ids = try folder.array("token_ids", as: Int32.self, count: tokens)
        let offsets = try folder.array("document_offsets", as: Int64.self, count: documents + 1)
        let offsetList = offsets.map(Int.init)
        guard offsetList.first == 0, offsetList.last == tokens, zip(offsetList, offsetList.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            throw IndexError(.invalidArray, "\(path)/document_offsets.bin: offsets are not a valid partition of \(tokens) tokens")
        }
        guard let base = vectors.buffer.baseAddress, tokens > 0 else { throw IndexError(.invalidArray, "\(path): index has no tokens") }
        corpus = TokenCorpus(vectors: base, dimension: d, documentOffsets: offsetList, tokenIds: ids.buffer.baseAddress, owner: folder)
        let parameters = folder.manifest.parameters
        filter = TokenFilter(tokenizer: model.tokenizer, skipSpecial: parameters["skip_special"]?.boolValue ?? false,
                             skipPunctuation: parameters["skip_punctuation"]?.boolValue ?? false)
        if mode == .alignerExact {
            if folder.hasArray("saliences") {
                // Learned saliences (an AligneR model's document head), stored with the vectors.
                let learned = try folder.array("saliences", as: Float.self, count: tokens)
                aligner = AlignerRetriever(corpus: corpus, learnedSaliences: Array(learned), beta: options.beta)
            } else {
                let salience = InverseDocumentFrequencySalience(corpus: corpus, vocabularySize: model.tokenizer.vocabularySize)
                aligner = AlignerRetriever(corpus: corpus, salience: salience, beta: options.beta)
            }
        } else {
            aligner = nil
        }
    }

    public var documentIDsChecksum: String { folder.documentIDsChecksum }

    public func prepare(_ text: String) throws -> PreparedQuery {
        .tokens(try QueryTokens.encode(text, model: model, filter: filter, maxLength: options.queryMaxLength))
    }

    public func search(_ query: PreparedQuery, topK: Int) throws -> [ScoredDocument] {
        guard case .tokens(let q) = query else { throw MismatchedQuery() }
        switch mode {
        case .colbert:
            return ColBERTRetriever(corpus: corpus).search(q, topK: topK, threads: options.threads)
        case .xtrExact:
            return XTRRetriever(corpus: corpus).search(q, topK: topK, kPrime: options.kPrime, threads: options.threads)
        default:
            guard let aligner else { throw MismatchedQuery() }
            return aligner.search(q, topK: topK, alignment: options.alignment, threads: options.threads)
        }
    }
}

extension TokenSearcher {
    /// XTR's token retrieval figures for one prepared query and its relevant documents (corpus row numbers), at the
    /// searcher's k'.
    public func tokenRetrievalRecall(_ query: PreparedQuery, relevant: Set<Int32>) throws -> TokenRetrievalRecall {
        guard case .tokens(let q) = query else { throw MismatchedQuery() }
        return XTRRetriever(corpus: corpus).tokenRetrievalRecall(q, relevant: relevant, kPrime: options.kPrime, threads: options.threads)
    }
}
