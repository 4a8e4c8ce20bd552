import Foundation
import TesseraIndex
import TesseraIO
import TesseraModels

/// Built indexes of BEIR datasets, kept under one root folder and reused when the same dataset, model and build
/// settings ask again (`tessera beir`, `tessera adapt`, the training evaluation). A folder's name carries the
/// dataset name, the kind, and a hash of everything that changes what the index holds: the model's fingerprint
/// (not its path), the document token budget, the token filter, and the compression settings.
public struct IndexCache: Sendable {
    /// The folder that holds the cached indexes.
    public let root: String

    /// A cache at `root` (created on first use).
    public init(root: String) { self.root = root }

    /// `<cache>/indexes`, beside the model cache (`~/.cache/tessera`, or `$TESSERA_HOME`).
    public static var defaultRoot: String {
        URL(fileURLWithPath: ModelStore.cacheFolder).deletingLastPathComponent().path + "/indexes"
    }

    /// Where the index of `kind` for the BEIR folder `dataset` would be kept.
    public func path(kind: IndexKind, dataset: String, model: String?, options: IndexBuildOptions) throws -> String {
        var key = "kind=\(kind.rawValue)"
        if kind != .bm25, let model {
            key += ";model=" + (try ModelFingerprint.compute(folder: try ModelStore.resolve(model)))
            key += ";max=\(options.maxLength.map(String.init) ?? "default")"
        }
        if kind == .tokens || kind == .tokensWARP { key += ";special=\(!options.skipSpecial);punct=\(!options.skipPunctuation)" }
        if kind == .tokensWARP {
            key += ";bits=\(options.warp.bits);centroids=\(options.warp.centroids.map(String.init) ?? "default");prune=\(options.warp.prune)"
                + ";codec=\(WARPIndex.codecName)"
        }
        if kind == .dense { key += ";hnsw=16/200" }
        let hash = Array(key.utf8).withUnsafeBytes { SHA256.hex(of: $0) }.prefix(12)
        let name = URL(fileURLWithPath: dataset).standardizedFileURL.lastPathComponent
        return "\(root)/\(name)-\(kind.rawValue)-\(hash)"
    }

    /// The index of `kind` for the BEIR folder `dataset` (its `corpus.jsonl`), built unless a complete one is
    /// cached (or `rebuild`); returns its path and the seconds its build took. `log` hears one line on reuse and on
    /// build.
    public func index(kind: IndexKind, dataset: String, model: String?, options: IndexBuildOptions, rebuild: Bool = false,
                      log: ((String) -> Void)? = nil) throws -> (path: String, buildSeconds: Double) {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let path = try path(kind: kind, dataset: dataset, model: model, options: options)
        let stats = path + ".build.json"
        if !rebuild, FileManager.default.fileExists(atPath: path + "/" + IndexManifest.fileName) {
            let seconds = (try? JSONValue.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: stats)))))?.objectValue?["build_seconds"]?.doubleValue ?? 0
            log?("reusing index \(path)")
            return (path, seconds)
        }
        let report = try IndexBuilder.build(kind: kind, model: model, corpus: dataset + "/corpus.jsonl", destination: path, options: options)
        try Data("{\"build_seconds\": \(report.seconds)}\n".utf8).write(to: URL(fileURLWithPath: stats), options: .atomic)
        log?(String(format: "built %@ in %.1f s", path, report.seconds))
        return (path, report.seconds)
    }
}
