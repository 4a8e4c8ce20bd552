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
    let log: WriteAheadLog
    var state: CollectionState
    var nextSequence: UInt64
    var current: Snapshot
    let writeLock = NSLock()
    let snapshotLock = NSLock()
    /// Guards `mergeRunning`; signalled when a merge ends.
    let mergeCondition = NSCondition()
    var mergeRunning = false
    var lastMergeFailure: String? = nil
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
}
