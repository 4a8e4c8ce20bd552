import Foundation
import TesseraIndex
import TesseraKernels
import TesseraModels
import TesseraSearch

/// Searching one snapshot of the segments: every mode the collection's indexes serve, hybrid fusion, XTR over all
/// segments as one index.
extension DocumentCollection {
    /// The `k` best live documents for `query` in `mode`, over every segment of one snapshot (`parameters`: per
    /// query, default the options'). Scores of different segments are merged as they are: exact for dense modes,
    /// for XTR as one index of all segments when they share their centroids (a collection's segments do: the first
    /// segment's codebook encodes the later ones; AligneR and segments that do not share merge per-segment WARP scores,
    /// which are close); BM25 scores every segment with the statistics (N, avgdl,
    /// document frequencies) of the live documents of all segments, so they equal those of one index of the live
    /// documents. `.hybrid` fuses two modes (`hybrid`, by default those of ``CollectionOptions``' `search.hybrid`)
    /// with `parameters.fusion`, each searched `search.hybridDepth` deep.
    public func search(_ query: String, mode: SearchMode, k: Int, parameters: SearchParameters? = nil,
                       hybrid: (first: SearchMode, second: SearchMode)? = nil) throws -> [CollectionHit] {
        guard k >= 1 else { throw CollectionError(.invalidInput, "k must be at least 1") }
        let s = snapshot
        let hits: [ScoredDocument]
        if mode == .hybrid {
            let (first, second) = hybrid ?? options.search.hybrid
            guard first != .hybrid, second != .hybrid else { throw CollectionError(.invalidInput, "a hybrid fuses two other modes") }
            for part in [first, second] { try requireMode(part) }
            let p = parameters ?? options.search.parameters
            let depth = max(k, options.search.hybridDepth)
            hits = p.fusion.fuse([try ranked(query, mode: first, k: depth, parameters: parameters, in: s),
                                  try ranked(query, mode: second, k: depth, parameters: parameters, in: s)], topK: k)
        } else {
            try requireMode(mode)
            hits = try ranked(query, mode: mode, k: k, parameters: parameters, in: s)
        }
        return hits.map { hit in
            let (segment, row) = s.position(ofKey: hit.document)
            let d = s.segments[segment].document(at: row)
            return CollectionHit(id: d.id, score: hit.score, title: d.title, text: d.text)
        }
    }

    private func requireMode(_ mode: SearchMode) throws {
        guard modes.contains(mode) else {
            throw CollectionError(.notFound, "mode \(mode.rawValue) needs an index this collection does not keep (it searches \(modes.map(\.rawValue).joined(separator: ", ")))")
        }
    }

    /// The `k` best live documents of the snapshot `s` in one (non-hybrid) mode, as snapshot keys
    /// (``Snapshot/key(segment:row:)``), best first; ties go to the earlier segment and row.
    private func ranked(_ query: String, mode: SearchMode, k: Int, parameters: SearchParameters?, in s: Snapshot) throws -> [ScoredDocument] {
        var merged: [ScoredDocument] = []
        if mode == .bm25 {
            // One set of statistics for every segment: the live documents of all of them.
            let indexes = s.segments.map(\.bm25)
            guard let analyzer = indexes.lazy.compactMap({ $0?.analyzer }).first else { return [] }
            let terms = analyzer.analyze(query)
            var statistics = BM25Statistics()
            for (i, index) in indexes.enumerated() {
                if let index { statistics.add(index.statistics(of: terms, excluding: s.deleted[i])) }
            }
            for (i, index) in indexes.enumerated() {
                guard let index else { continue }
                let deleted = s.deleted[i]
                for hit in index.search(analyzed: terms, topK: k + deleted.count, statistics: statistics) where !deleted.contains(hit.document) {
                    merged.append(ScoredDocument(document: s.key(segment: i, row: hit.document), score: hit.score))
                }
            }
        } else if mode == .xtr, let xtr = s.segments.first?.searchers[.xtr] as? WARPSearcher,
                  case let engines = s.segments.compactMap({ ($0.searchers[.xtr] as? WARPSearcher)?.engine }),
                  engines.count == s.segments.count, engines.allSatisfy({ xtr.engine.sharesCodebook(with: $0) }) {
            // Segments that share their centroids are searched as one index: the centroids scored once, m_i from the
            // cluster sizes of every segment.
            guard case .tokens(let tokens) = try xtr.prepare(query) else { return [] }
            let hits = WARPEngine.searchXTR(tokens, engines: engines, excluding: s.deleted, topK: k,
                                            parameters: xtr.engineParameters(parameters ?? xtr.defaultParameters))
            merged = hits.map { ScoredDocument(document: s.key(segment: $0.index, row: $0.hit.document), score: $0.hit.score) }
        } else {
            var prepared: PreparedQuery? = nil
            for (i, segment) in s.segments.enumerated() {
                guard let searcher = segment.searchers[mode] else { continue }
                let query = try prepared ?? searcher.prepare(query)
                prepared = query
                let deleted = s.deleted[i]
                let hits = try searcher.search(query, topK: k + deleted.count, parameters: parameters ?? searcher.defaultParameters)
                for hit in hits where !deleted.contains(hit.document) {
                    merged.append(ScoredDocument(document: s.key(segment: i, row: hit.document), score: hit.score))
                }
            }
        }
        merged.sort { a, b in a.score != b.score ? a.score > b.score : a.document < b.document }
        return Array(merged.prefix(k))
    }
}
