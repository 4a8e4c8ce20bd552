import Foundation
import TesseraIndex
import TesseraKernels
import TesseraModels
import TesseraSearch

/// Writes: log, fsync, apply to a new segment or as tombstones, publish the next snapshot.
extension DocumentCollection {
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
    func apply(_ record: LogRecord) throws {
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

    func publish(_ snapshot: Snapshot, state next: CollectionState) {
        snapshotLock.lock()
        current = snapshot
        state = next
        snapshotLock.unlock()
    }
}
