import Foundation
import TesseraIndex
import TesseraKernels
import TesseraModels
import TesseraSearch

/// A named, persistent, mutable set of documents with the indexes a collection keeps (dense + HNSW, WARP tokens,
/// BM25; any subset): add, upsert and delete by external id in batches, search in any mode those indexes serve.
///
/// (Called `DocumentCollection`, not `Collection`, so that it does not shadow the standard library's protocol in
/// code that imports this module.)
///
/// Durability: a write is appended to the write-ahead log and fsync'd, then lands in a new immutable segment (its
/// documents encoded then, against the token centroids the collection already has) or as tombstones, and
/// `state.json` is replaced atomically; the call returns once all of that is on disk. Opening replays any logged
/// write that the state does not include (a crash between the two) and removes segment folders that no state
/// lists. Searches run on one snapshot (segments + tombstones), never on half of a write, while writes go on.
/// Segments merge into one, with the token centroids retrained, on ``merge()`` and above
/// ``CollectionOptions/mergeThreshold`` segments.
///
/// Layout: `collection.json` (``CollectionConfiguration``), `state.json`, `wal.log`, `segments/seg-NNNNNN/`, and
/// `collection.lock`, held (`flock`) by the one process that has the collection open.
public final class DocumentCollection: @unchecked Sendable {
    /// The collection folder.
    public let path: String
    /// The model and index kinds.
    public let configuration: CollectionConfiguration
    /// The options it was opened with.
    public let options: CollectionOptions
    let model: EmbeddingModel?
    private let log: WriteAheadLog
    private var state: CollectionState
    private var nextSequence: UInt64
    private var current: Snapshot
    private let writeLock = NSLock()
    private let snapshotLock = NSLock()
    /// Guards `mergeRunning`; signalled when a merge ends.
    private let mergeCondition = NSCondition()
    private var mergeRunning = false
    private var lastMergeFailure: String? = nil
    /// Tests: runs between a merge's first step and its build (without the write lock), to write meanwhile.
    var beforeMergeBuild: (() -> Void)? = nil
    private let processLock: ProcessLock

    static let segmentsFolder = "segments"
    static let logFile = "wal.log"
    static let lockFile = "collection.lock"

    // MARK: Create and open

    /// Creates an empty collection at `path` (which must not exist) keeping `indexes`, encoded by `model` (a folder
    /// or a cached model name; not needed for BM25 alone), and opens it. The folder appears complete or not at all.
    public static func create(at path: String, model: String?, indexes: Set<CollectionIndex>,
                              options: CollectionOptions = CollectionOptions()) throws -> DocumentCollection {
        guard !FileManager.default.fileExists(atPath: path) else { throw CollectionError(.alreadyExists, "\(path) exists already") }
        let folder = try model.map { try ModelStore.resolve($0) }
        let configuration = try CollectionConfiguration(modelFolder: folder, modelFingerprint: try folder.map { try ModelFingerprint.compute(folder: $0) },
                                                        indexes: indexes)
        let url = URL(fileURLWithPath: path).standardizedFileURL
        let parent = url.deletingLastPathComponent().path
        let staging = parent + "/." + url.lastPathComponent + ".creating-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        do {
            try FileManager.default.createDirectory(atPath: staging + "/" + segmentsFolder, withIntermediateDirectories: true)
        } catch {
            throw CollectionError(.io, "cannot create \(path): \(error.localizedDescription)")
        }
        do {
            try DurableFile.replace(staging + "/" + CollectionConfiguration.fileName, with: configuration.encoded())
            try DurableFile.replace(staging + "/" + CollectionState.fileName, with: CollectionState().encoded())
            guard rename(staging, path) == 0 else { throw CollectionError(.io, "cannot create \(path): \(String(cString: strerror(errno)))") }
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw error
        }
        try DurableFile.syncFolder(parent)
        return try DocumentCollection(path: path, options: options)
    }

    /// Opens the collection at `path`, replaying logged writes that its state does not include yet.
    public init(path: String, options: CollectionOptions = CollectionOptions()) throws {
        self.path = path
        self.options = options
        let configurationPath = path + "/" + CollectionConfiguration.fileName
        guard FileManager.default.fileExists(atPath: configurationPath) else {
            throw CollectionError(.notFound, "\(path) is not a collection (no \(CollectionConfiguration.fileName))")
        }
        // One process at a time: a second opener (another server, a CLI write) is refused, not interleaved.
        processLock = try ProcessLock(path: path + "/" + Self.lockFile)
        configuration = try CollectionConfiguration.decode(try DurableFile.read(configurationPath), path: configurationPath)
        DurableFile.removeTemporaries(in: path)
        if let folder = configuration.modelFolder {
            let fingerprint = try ModelFingerprint.compute(folder: folder)
            guard fingerprint == configuration.modelFingerprint else {
                throw CollectionError(.corrupted, "\(path): the model at \(folder) is not the one the collection was created with (fingerprint changed)")
            }
            model = try EmbeddingModel(folder: folder)
        } else {
            model = nil
        }
        let statePath = path + "/" + CollectionState.fileName
        state = try CollectionState.decode(try DurableFile.read(statePath), path: statePath)
        Self.removeUnlistedSegments(path + "/" + Self.segmentsFolder, keeping: Set(state.segments.map(\.name)))
        let (log, payloads) = try WriteAheadLog.load(path: path + "/" + Self.logFile)
        self.log = log
        var segments: [Segment] = []
        for s in state.segments {
            segments.append(try Segment(folder: path + "/" + Self.segmentsFolder, name: s.name, configuration: configuration, model: model,
                                        options: options))
        }
        current = try Snapshot(segments: segments, state: state)
        nextSequence = state.appliedSequence + 1
        // Replay what was logged (and so acknowledged, or about to be) but is not in the state yet.
        let records = try payloads.map { try LogRecord.decode($0, path: log.path) }
        for record in records where record.sequence > state.appliedSequence {
            try apply(record)
            nextSequence = max(nextSequence, record.sequence + 1)
        }
        if !payloads.isEmpty { try log.reset() }
    }

    private static func removeUnlistedSegments(_ folder: String, keeping: Set<String>) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where !keeping.contains(name) {
            // A segment whose build or merge never committed to the state (or a folder of its index writers).
            if CollectionState.isSegmentName(name) || name.hasPrefix(".") { try? FileManager.default.removeItem(atPath: folder + "/" + name) }
        }
    }

    // MARK: Reading

    /// The snapshot searches read now.
    var snapshot: Snapshot {
        snapshotLock.lock()
        defer { snapshotLock.unlock() }
        return current
    }

    /// Live documents.
    public var count: Int { snapshot.locations.count }

    /// Live segments.
    public var segmentCount: Int { snapshot.segments.count }

    /// The document with `id`, if the collection holds it.
    public func document(id: String) -> CollectionDocument? {
        let s = snapshot
        guard let location = s.locations[id] else { return nil }
        return s.segments[location.segment].document(at: Int(location.row))
    }

    /// Every live id (segment order, then row order).
    public var documentIDs: [String] { snapshot.orderedIDs() }

    /// The modes this collection can search.
    public var modes: [SearchMode] {
        configuration.indexes.flatMap { index -> [SearchMode] in
            switch index {
            case .dense: return [.dense, .denseExact]
            case .tokens: return [.xtr, .aligner]
            case .bm25: return [.bm25]
            }
        }
    }

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

    // MARK: Writing

    /// Adds documents; refuses the whole batch if an id is already in the collection (use ``upsert(_:)``).
    public func add(_ documents: [CollectionDocument]) throws {
        try write(.add(documents, replace: false))
    }

    /// Adds documents, replacing those with the same ids.
    public func upsert(_ documents: [CollectionDocument]) throws {
        try write(.add(documents, replace: true))
    }

    /// Deletes documents by id; returns how many were there.
    @discardableResult
    public func delete(ids: [String]) throws -> Int {
        try write(.delete(ids))
    }

    /// Merges every segment into one (dropping deleted documents, retraining the token centroids).
    /// Merges every segment into one, dropping deleted documents and retraining the token centroids. Waits for an
    /// automatic merge in progress first. Writes and searches go on while the merged segment is built.
    public func merge() throws {
        mergeCondition.lock()
        while mergeRunning { mergeCondition.wait() }
        mergeRunning = true
        mergeCondition.unlock()
        defer { endMerge(failure: nil) }
        try runMerge(from: 0)
    }

    /// Waits until no merge runs (an automatic merge runs on a thread of its own after the write that called for it).
    public func waitForMerges() {
        mergeCondition.lock()
        while mergeRunning { mergeCondition.wait() }
        mergeCondition.unlock()
    }

    /// Why the last automatic merge failed (a full disk, say), or nil; the next write that calls for a merge tries again.
    public var lastAutomaticMergeFailure: String? {
        mergeCondition.lock()
        defer { mergeCondition.unlock() }
        return lastMergeFailure
    }

    /// Starts an automatic merge on a thread of its own unless one runs already.
    private func scheduleMerge() {
        mergeCondition.lock()
        guard !mergeRunning else { mergeCondition.unlock(); return }
        mergeRunning = true
        mergeCondition.unlock()
        Thread { [self] in
            do {
                try runMerge(from: nil)
                endMerge(failure: nil)
            } catch {
                endMerge(failure: "\(error)")
            }
        }.start()
    }

    private func endMerge(failure: String?) {
        mergeCondition.lock()
        mergeRunning = false
        lastMergeFailure = failure
        mergeCondition.broadcast()
        mergeCondition.unlock()
    }

    /// Logs and applies one write under the write lock; returns how many of the ids it names were live before it.
    @discardableResult
    private func write(_ operation: LogRecord.Operation) throws -> Int {
        if case .add(let documents, let replace) = operation { try validate(documents, replace: replace) }
        let (present, wantsMerge) = try logAndApply(operation)
        // The write is durable and acknowledged already; the merge runs beside later writes and searches, and one
        // that fails (a full disk) leaves the segments as they were and is tried again after the next write.
        if wantsMerge { scheduleMerge() }
        return present
    }

    /// Logs and applies one write under the write lock; returns how many of its ids were live and whether the
    /// collection now holds more segments than the merge threshold.
    private func logAndApply(_ operation: LogRecord.Operation) throws -> (present: Int, wantsMerge: Bool) {
        writeLock.lock()
        defer { writeLock.unlock() }
        if case .add(let documents, false) = operation {
            let existing = snapshot.locations
            if let taken = documents.first(where: { existing[$0.id] != nil }) {
                throw CollectionError(.documentExists, "document \"\(taken.id)\" exists already (upsert replaces it)")
            }
        }
        let named: [String]
        switch operation {
        case .add(let documents, _): named = documents.map(\.id)
        case .delete(let ids): named = ids
        }
        let live = snapshot.locations
        let present = Set(named).filter { live[$0] != nil }.count
        let record = LogRecord(sequence: nextSequence, operation: operation)
        let payload = record.encoded()
        try log.append(payload)
        do {
            try apply(record)
        } catch {
            // Not acknowledged: take it back out of the log so that a reopen does not replay it.
            try? log.dropLast(bytes: payload.count)
            throw error
        }
        nextSequence += 1
        try? log.reset()  // every logged write is in the state now; a failure here only costs a skipped replay
        return (present, options.mergeThreshold > 0 && state.segments.count > options.mergeThreshold)
    }

    private func validate(_ documents: [CollectionDocument], replace: Bool) throws {
        var seen = Set<String>()
        for (i, d) in documents.enumerated() {
            guard !d.id.isEmpty else { throw CollectionError(.invalidInput, "document \(i) has an empty id") }
            guard !d.text.isEmpty else { throw CollectionError(.invalidInput, "document \"\(d.id)\" has an empty text") }
            guard seen.insert(d.id).inserted else { throw CollectionError(.documentExists, "document \"\(d.id)\" appears twice in the batch") }
        }
    }

    /// Applies a logged write: a new segment and/or tombstones, then the new state on disk, then the new snapshot.
    private func apply(_ record: LogRecord) throws {
        var next = state
        next.appliedSequence = record.sequence
        var segments = current.segments
        var created: String? = nil
        switch record.operation {
        case .delete(let ids):
            tombstone(ids, in: &next)
        case .add(let documents, _):
            // An add replayed after a crash, or an upsert: any live document with the same id goes first.
            tombstone(documents.map(\.id), in: &next)
            if !documents.isEmpty {
                let name = CollectionState.segmentName(next.nextSegment)
                let folder = path + "/" + Self.segmentsFolder
                try? FileManager.default.removeItem(atPath: folder + "/" + name)
                created = folder + "/" + name
                do {
                    let codebook = try current.segments.lazy.compactMap(\.tokens).first?.codebook
                    try Segment.build(at: folder + "/" + name, documents: documents, configuration: configuration, model: model,
                                      codebook: codebook, options: options)
                    segments.append(try Segment(folder: folder, name: name, configuration: configuration, model: model, options: options))
                } catch {
                    try? FileManager.default.removeItem(atPath: folder + "/" + name)
                    throw error
                }
                next.segments.append(CollectionState.Segment(name: name, documents: documents.count, deleted: []))
                next.nextSegment += 1
            }
        }
        do {
            let snapshot = try Snapshot(segments: segments, state: next)
            try DurableFile.replace(path + "/" + CollectionState.fileName, with: next.encoded())
            publish(snapshot, state: next)
        } catch {
            if let created { try? FileManager.default.removeItem(atPath: created) }
            throw error
        }
    }

    private func tombstone(_ ids: [String], in next: inout CollectionState) {
        var added: [Int: [Int32]] = [:]
        for id in ids {
            guard let location = current.locations[id] else { continue }
            added[location.segment, default: []].append(location.row)
        }
        for (segment, rows) in added {
            next.segments[segment].deleted = Array(Set(next.segments[segment].deleted + rows)).sorted()
        }
    }

    private func publish(_ snapshot: Snapshot, state next: CollectionState) {
        snapshotLock.lock()
        current = snapshot
        state = next
        snapshotLock.unlock()
    }

    /// Where an automatic merge starts: the newest segments, taken back to front while the next older one holds at
    /// most ``tieredMergeRatio`` times the live documents taken so far. Small segments of recent adds are merged
    /// among themselves (re-encoding a few documents) and a large old segment is left alone until the recent ones
    /// together reach a fraction of it; 0 means every segment (and new centroids).
    static func tieredMergeStart(_ s: Snapshot) -> Int {
        let live = s.segments.indices.map { s.segments[$0].store.count - s.deleted[$0].count }
        guard var start = live.indices.last else { return 0 }
        var taken = live[start]
        while start > 0 && live[start - 1] <= tieredMergeRatio * max(taken, 1) {
            start -= 1
            taken += live[start]
        }
        // At least two segments, so that the merge lowers the count.
        return min(start, max(0, live.count - 2))
    }

    static let tieredMergeRatio = 4

    /// Merges segments into one: from `requested` (0: every segment, with new token centroids), or for an automatic
    /// merge (nil) the recent ones that ``tieredMergeStart(_:)`` picks, with the oldest segment's centroids, if the
    /// collection still holds more segments than the threshold. Three steps, so that writes and searches go on
    /// while the merged segment is encoded: under the write lock, the live documents and a segment name are taken;
    /// without it, the segment is built; under it again, it replaces the merged segments, with tombstones for the
    /// documents deleted or replaced meanwhile. The caller holds the merge claim (one merge at a time).
    private func runMerge(from requested: Int?) throws {
        // 1. What to merge.
        writeLock.lock()
        let s = current
        let start: Int
        if let requested {
            start = requested
        } else {
            guard options.mergeThreshold > 0, s.segments.count > options.mergeThreshold else { writeLock.unlock(); return }
            start = Self.tieredMergeStart(s)
        }
        guard start < s.segments.count, s.segments.count - start > 1 || s.deleted[start...].contains(where: { !$0.isEmpty }) else {
            writeLock.unlock()
            return
        }
        var documents: [CollectionDocument] = []
        var sources: [Snapshot.Location] = []
        for (i, segment) in s.segments.enumerated() where i >= start {
            for row in 0..<segment.store.count where !s.deleted[i].contains(Int32(row)) {
                documents.append(segment.document(at: row))
                sources.append(Snapshot.Location(segment: i, row: Int32(row)))
            }
        }
        let merged = s.segments[start...].map(\.name)
        let codebook: WARPCodebook?
        do { codebook = start == 0 ? nil : try s.segments.lazy.compactMap(\.tokens).first?.codebook } catch { writeLock.unlock(); throw error }
        // The new segment's name is taken now (in memory; the next state written records it), so that writes meanwhile
        // name theirs after it.
        var reserved = state
        let name = CollectionState.segmentName(reserved.nextSegment)
        reserved.nextSegment += 1
        publish(s, state: reserved)
        writeLock.unlock()

        // 2. The merged segment, built while writes and searches go on.
        beforeMergeBuild?()
        let folder = path + "/" + Self.segmentsFolder
        var built: Segment? = nil
        if !documents.isEmpty {
            try? FileManager.default.removeItem(atPath: folder + "/" + name)
            do {
                try Segment.build(at: folder + "/" + name, documents: documents, configuration: configuration, model: model, codebook: codebook, options: options)
                built = try Segment(folder: folder, name: name, configuration: configuration, model: model, options: options)
            } catch {
                try? FileManager.default.removeItem(atPath: folder + "/" + name)
                throw error
            }
        }

        // 3. Swap it in.
        writeLock.lock()
        defer { writeLock.unlock() }
        let now = current
        let end = start + merged.count
        guard now.segments.count >= end, now.segments[start..<end].map(\.name) == merged else {
            try? FileManager.default.removeItem(atPath: folder + "/" + name)
            throw CollectionError(.corrupted, "internal error: the merged segments changed during the merge")
        }
        // Documents deleted or replaced since step 1 are tombstones in the merged segment.
        var gone: [Int32] = []
        for (row, (document, source)) in zip(documents, sources).enumerated() {
            let location = now.locations[document.id]
            if location?.segment != source.segment || location?.row != source.row { gone.append(Int32(row)) }
        }
        var next = state
        var segments = Array(now.segments[..<start])
        next.segments = Array(next.segments[..<start])
        if let built {
            segments.append(built)
            next.segments.append(CollectionState.Segment(name: name, documents: documents.count, deleted: gone))
        }
        segments += now.segments[end...]
        next.segments += state.segments[end...]
        let snapshot: Snapshot
        do {
            snapshot = try Snapshot(segments: segments, state: next)
            try DurableFile.replace(path + "/" + CollectionState.fileName, with: next.encoded())
        } catch {
            try? FileManager.default.removeItem(atPath: folder + "/" + name)
            throw error
        }
        publish(snapshot, state: next)
        // Searches still running on the old snapshot keep their memory-mapped files alive after the unlink.
        for old in now.segments[start..<end] { try? FileManager.default.removeItem(atPath: old.path) }
    }
}

/// What one search reads: the segments, their tombstones, and where each live id is.
final class Snapshot: @unchecked Sendable {
    struct Location: Sendable { var segment: Int; var row: Int32 }
    let segments: [Segment]
    let deleted: [Set<Int32>]
    let locations: [String: Location]
    /// Rows of the segments before each one: a document's snapshot key is `starts[segment] + row`.
    let starts: [Int32]

    init(segments: [Segment], state: CollectionState) throws {
        guard segments.count == state.segments.count else { throw CollectionError(.corrupted, "state lists \(state.segments.count) segments, \(segments.count) open") }
        var locations: [String: Location] = [:]
        var deleted: [Set<Int32>] = []
        for (i, (segment, entry)) in zip(segments, state.segments).enumerated() {
            guard segment.store.count == entry.documents else {
                throw CollectionError(.corrupted, "\(segment.path): \(segment.store.count) documents, the state says \(entry.documents)")
            }
            let gone = Set(entry.deleted)
            deleted.append(gone)
            for row in 0..<segment.store.count where !gone.contains(Int32(row)) {
                let id = segment.store.ids[row]
                guard locations.updateValue(Location(segment: i, row: Int32(row)), forKey: id) == nil else {
                    throw CollectionError(.corrupted, "\(segment.path): document \"\(id)\" is live in two segments")
                }
            }
        }
        var starts: [Int32] = []
        var rows = 0
        for segment in segments {
            starts.append(Int32(truncatingIfNeeded: rows))
            rows += segment.store.count
        }
        guard rows <= Int(Int32.max) else { throw CollectionError(.invalidInput, "a collection holds at most \(Int32.max) rows (merge it)") }
        self.segments = segments
        self.deleted = deleted
        self.locations = locations
        self.starts = starts
    }

    /// The snapshot key of `row` of segment `segment` (unique over the snapshot, ordered by segment then row).
    func key(segment: Int, row: Int32) -> Int32 { starts[segment] + row }

    /// The segment and row of a snapshot key.
    func position(ofKey key: Int32) -> (segment: Int, row: Int) {
        var lo = 0, hi = starts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if starts[mid] <= key { lo = mid } else { hi = mid - 1 }
        }
        return (lo, Int(key - starts[lo]))
    }

    func orderedIDs() -> [String] {
        var ids: [String] = []
        for (i, segment) in segments.enumerated() {
            for row in 0..<segment.store.count where !deleted[i].contains(Int32(row)) { ids.append(segment.store.ids[row]) }
        }
        return ids
    }
}
