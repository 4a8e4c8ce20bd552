import Foundation
import TesseraIndex
import TesseraModels

/// Models loaded once and shared by every searcher that uses them, keyed by their resolved folder; safe to use from
/// several threads.
public final class ModelCache: @unchecked Sendable {
    private var models: [String: EmbeddingModel] = [:]
    private let lock = NSLock()

    /// An empty cache.
    public init() {}

    /// The model in `folder` (a resolved model folder), loaded on first use.
    public func model(folder: String) throws -> EmbeddingModel {
        lock.lock()
        defer { lock.unlock() }
        if let cached = models[folder] { return cached }
        let loaded = try EmbeddingModel(folder: folder)
        models[folder] = loaded
        return loaded
    }
}

/// Opening a searcher for a mode over index folders: what `tessera search`, `tessera beir`, the server and tests
/// all call.
public enum Searchers {
    /// Opens the searcher for `mode` over `indexes` (two for a hybrid, in the order of `options.hybrid`). Queries are
    /// encoded by `model` (a folder or a cached model name), or by the model folder the index manifest records.
    public static func open(mode: SearchMode, indexes: [String], model: String?, options: SearchOptions,
                            models: ModelCache = ModelCache()) throws -> any Searcher {
        func loadModel(for index: String) throws -> EmbeddingModel {
            var folder = try model.map { try ModelStore.resolve($0) }
            if folder == nil {
                let manifest = try IndexFolder(path: index, verifyChecksums: false).manifest
                folder = manifest.parameters["model_folder"]?.stringValue
            }
            guard let folder else {
                throw IndexError(.invalidArgument, "a model is required: \(index) does not record its model folder")
            }
            return try models.model(folder: folder)
        }
        func single(_ mode: SearchMode, _ index: String) throws -> any Searcher {
            switch mode {
            case .dense, .denseExact:
                return try DenseSearcher(path: index, model: try loadModel(for: index), options: options, exact: mode == .denseExact)
            case .colbert, .xtrExact, .alignerExact:
                return try TokenSearcher(path: index, model: try loadModel(for: index), mode: mode, options: options)
            case .xtr, .aligner:
                return try WARPSearcher(path: index, model: try loadModel(for: index), mode: mode, parameters: WARPSearchParameters(options: options))
            case .bm25:
                return try BM25Searcher(path: index, parameters: options.bm25, defaults: options.parameters)
            case .hybrid:
                throw IndexError(.invalidArgument, "a hybrid cannot contain a hybrid")
            }
        }
        if mode == .hybrid {
            guard indexes.count == 2 else {
                throw IndexError(.invalidArgument, "a hybrid needs two index folders (for \(options.hybrid.first.rawValue),\(options.hybrid.second.rawValue))")
            }
            return try HybridSearcher(try single(options.hybrid.first, indexes[0]), try single(options.hybrid.second, indexes[1]),
                                      fusion: options.parameters.fusion, depth: max(options.hybridDepth, options.topK))
        }
        guard indexes.count == 1 else { throw IndexError(.invalidArgument, "mode \(mode.rawValue) takes exactly one index folder") }
        return try single(mode, indexes[0])
    }
}

extension WARPSearchParameters {
    /// The WARP settings of `options`: its per-query parameters and query token budget, the default bound.
    public init(options: SearchOptions) {
        self.init()
        nProbe = options.parameters.nProbe
        tPrime = options.parameters.tPrime
        alignment = options.parameters.alignment
        queryPrune = options.parameters.queryPrune
        threads = options.parameters.threads
        queryMaxLength = options.queryMaxLength
    }
}
