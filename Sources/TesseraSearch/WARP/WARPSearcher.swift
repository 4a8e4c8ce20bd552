import TesseraIndex
import TesseraIO
import TesseraKernels
import TesseraModels

/// XTR or AligneR search over a compressed `tokens-warp` index with the WARP engine.
public final class WARPSearcher: Searcher {
    /// The index.
    public let index: WARPIndex
    /// The engine.
    public let engine: WARPEngine
    /// The query model (checked against the index's).
    public let model: EmbeddingModel
    /// `.xtr` or `.aligner`.
    public let mode: SearchMode
    /// Search settings.
    public let parameters: WARPSearchParameters
    /// External ids.
    public let documentIDs: StringTable
    let filter: TokenFilter

    /// Opens the index at `path` for `mode` (.xtr or .aligner) with queries encoded by `model`.
    public init(path: String, model: EmbeddingModel, mode: SearchMode, parameters: WARPSearchParameters,
                verifyChecksums: Bool = true) throws {
        guard mode == .xtr || mode == .aligner else {
            throw IndexError(.invalidArgument, "mode \(mode) does not read a compressed token index (use xtr or aligner)")
        }
        index = try WARPIndex(path: path, verifyChecksums: verifyChecksums)
        try index.folder.manifest.requireModel(try model.identity(), dimension: model.tokenDimension, folder: path)
        engine = WARPEngine(index: index)
        self.model = model
        self.mode = mode
        self.parameters = parameters
        documentIDs = try index.documentIDs()
        let p = index.folder.manifest.parameters
        filter = TokenFilter(tokenizer: model.tokenizer, skipSpecial: p["skip_special"]?.boolValue ?? false,
                             skipPunctuation: p["skip_punctuation"]?.boolValue ?? false)
    }

    public var documentIDsChecksum: String { index.folder.documentIDsChecksum }

    public func prepare(_ text: String) throws -> PreparedQuery {
        .tokens(try QueryTokens.encode(text, model: model, filter: filter, maxLength: parameters.queryMaxLength))
    }

    public func search(_ query: PreparedQuery, topK: Int) throws -> [ScoredDocument] {
        guard case .tokens(let q) = query else { throw MismatchedQuery() }
        return mode == .aligner ? engine.searchAligner(q, topK: topK, parameters: parameters)
            : engine.searchXTR(q, topK: topK, parameters: parameters)
    }
}
