import Foundation
import TesseraIndex
import TesseraIngest

/// The cached index of `kind` for the BEIR folder `data` (``IndexCache``), built with a progress bar unless a
/// matching one exists; returns its path and build time.
func ensureIndex(kind: IndexKind, data: String, model: String?, indexing: IndexArguments, prune: Double = 1, quiet: Bool) throws -> (String, Double) {
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
    let cache = IndexCache(root: indexing.indexDir ?? IndexCache.defaultRoot)
    let (path, seconds) = try cache.index(kind: kind, dataset: data, model: model, options: options, rebuild: indexing.rebuild) { line in
        progress.value.finish()
        if !quiet { printError(line) }
    }
    return (path, seconds)
}
