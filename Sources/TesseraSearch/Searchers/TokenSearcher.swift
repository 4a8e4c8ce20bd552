import TesseraIndex
import TesseraIngest
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
        let table = try TokenVectorTable(folder: folder)
        corpus = TokenCorpus(vectors: table.baseAddress, dimension: table.dimension, documentOffsets: table.documentOffsets,
                             tokenIds: table.tokenIDs.buffer.baseAddress, owner: folder)
        let parameters = folder.manifest.parameters
        filter = TokenFilter(tokenizer: model.tokenizer, skipSpecial: parameters["skip_special"]?.boolValue ?? false,
                             skipPunctuation: parameters["skip_punctuation"]?.boolValue ?? false)
        if mode == .alignerExact {
            if let learned = table.saliences {
                // Learned saliences (an AligneR model's document head), stored with the vectors.
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

    public var defaultParameters: SearchParameters { options.parameters }

    public func search(_ query: PreparedQuery, topK: Int, parameters: SearchParameters) throws -> [ScoredDocument] {
        guard case .tokens(let q) = query else { throw MismatchedQuery() }
        switch mode {
        case .colbert:
            return ColBERTRetriever(corpus: corpus).search(q, topK: topK, threads: parameters.threads)
        case .xtrExact:
            return XTRRetriever(corpus: corpus).search(q, topK: topK, kPrime: parameters.kPrime, threads: parameters.threads)
        default:
            guard let aligner else { throw MismatchedQuery() }
            return aligner.search(q, topK: topK, alignment: parameters.alignment, threads: parameters.threads)
        }
    }
}

extension TokenSearcher {
    /// XTR's token retrieval figures for one prepared query and its relevant documents (corpus row numbers), at the
    /// k' of `parameters` (default: the searcher's).
    public func tokenRetrievalRecall(_ query: PreparedQuery, relevant: Set<Int32>, parameters: SearchParameters? = nil) throws -> TokenRetrievalRecall {
        guard case .tokens(let q) = query else { throw MismatchedQuery() }
        let p = parameters ?? options.parameters
        return XTRRetriever(corpus: corpus).tokenRetrievalRecall(q, relevant: relevant, kPrime: p.kPrime, threads: p.threads)
    }
}
