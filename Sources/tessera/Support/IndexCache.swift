import ArgumentParser
import Foundation
import TesseraIO
import TesseraIndex
import TesseraModels
import TesseraSearch

/// The index for `kind`, built unless a matching one exists; returns its path and build time.
func ensureIndex(kind: IndexKind, data: String, model: String?, indexing: IndexArguments, prune: Double = 1, quiet: Bool) throws -> (String, Double) {
    let root = indexing.indexDir ?? (URL(fileURLWithPath: ModelStore.cacheFolder).deletingLastPathComponent().path + "/indexes")
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    var key = "kind=\(kind.rawValue)"
    if kind != .bm25, let model {
        key += ";model=" + (try ModelFingerprint.compute(folder: try ModelStore.resolve(model)))
        key += ";max=\(indexing.docMaxLength.map(String.init) ?? "default")"
    }
    if kind == .tokens || kind == .tokensWARP { key += ";special=\(!indexing.skipSpecial);punct=\(!indexing.skipPunctuation)" }
    if kind == .tokensWARP { key += ";bits=\(indexing.bits);centroids=\(indexing.centroids.map(String.init) ?? "default");prune=\(prune);codec=\(WARPIndex.codecName)" }
    if kind == .dense { key += ";hnsw=16/200" }
    let hash = Array(key.utf8).withUnsafeBytes { SHA256.hex(of: $0) }.prefix(12)
    let name = URL(fileURLWithPath: data).standardizedFileURL.lastPathComponent
    let path = "\(root)/\(name)-\(kind.rawValue)-\(hash)"
    let stats = path + ".build.json"
    if !indexing.rebuild, FileManager.default.fileExists(atPath: path + "/manifest.json") {
        let seconds = (try? JSONValue.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: stats)))))?.objectValue?["build_seconds"]?.doubleValue ?? 0
        if !quiet { printError("reusing index \(path)") }
        return (path, seconds)
    }
    var options = IndexBuildOptions()
    options.maxLength = indexing.docMaxLength
    options.skipSpecial = indexing.skipSpecial
    options.skipPunctuation = indexing.skipPunctuation
    options.threads = indexing.buildThreads
    options.warp.bits = indexing.bits
    options.warp.centroids = indexing.centroids
    options.warp.prune = prune
    let progress = UncheckedBox(ProgressBar(label: "indexing \(kind.rawValue)", total: nil, enabled: !quiet))
    options.progress = { done, tokens in progress.value.update(done: done, tokens: tokens) }
    let report = try buildIndex(kind: kind.rawValue, model: model, corpus: data + "/corpus.jsonl", destination: path, options: options)
    progress.value.finish()
    try Data("{\"build_seconds\": \(report.seconds)}\n".utf8).write(to: URL(fileURLWithPath: stats))
    if !quiet { printError(String(format: "built %@ in %.1f s", path, report.seconds)) }
    return (path, report.seconds)
}
