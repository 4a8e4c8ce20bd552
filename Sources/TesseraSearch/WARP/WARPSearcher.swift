import TesseraIndex
import TesseraIngest
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

    /// The same opened index searched in `mode` (.xtr or .aligner): nothing is read or verified again.
    public func searching(in mode: SearchMode) throws -> WARPSearcher {
        guard mode == .xtr || mode == .aligner else {
            throw IndexError(.invalidArgument, "mode \(mode) does not read a compressed token index (use xtr or aligner)")
        }
        return WARPSearcher(sharing: self, mode: mode)
    }

    private init(sharing other: WARPSearcher, mode: SearchMode) {
        index = other.index
        engine = other.engine
        model = other.model
        self.mode = mode
        parameters = other.parameters
        documentIDs = other.documentIDs
        filter = other.filter
    }

    public var documentIDsChecksum: String { index.folder.documentIDsChecksum }

    public func prepare(_ text: String) throws -> PreparedQuery {
        .tokens(try QueryTokens.encode(text, model: model, filter: filter, maxLength: parameters.queryMaxLength))
    }

    /// The WARP settings the searcher was opened with, as per-call parameters.
    public var defaultParameters: SearchParameters {
        var p = SearchParameters()
        p.nProbe = parameters.nProbe
        p.tPrime = parameters.tPrime
        p.alignment = parameters.alignment
        p.queryPrune = parameters.queryPrune
        p.threads = parameters.threads
        return p
    }

    /// The engine's settings for a call with `call`: those the searcher was opened with, with the call's WARP fields.
    public func engineParameters(_ call: SearchParameters) -> WARPSearchParameters {
        var p = parameters
        p.nProbe = call.nProbe
        p.tPrime = call.tPrime
        p.alignment = call.alignment
        p.queryPrune = call.queryPrune
        p.threads = call.threads
        return p
    }

    public func search(_ query: PreparedQuery, topK: Int, parameters call: SearchParameters) throws -> [ScoredDocument] {
        guard case .tokens(let q) = query else { throw MismatchedQuery() }
        let p = engineParameters(call)
        return mode == .aligner ? engine.searchAligner(q, topK: topK, parameters: p) : engine.searchXTR(q, topK: topK, parameters: p)
    }
}
