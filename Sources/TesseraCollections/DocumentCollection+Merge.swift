import Foundation
import TesseraIndex
import TesseraKernels
import TesseraModels
import TesseraSearch

/// Merging segments: on request, or on a thread of its own above the threshold; built outside the write lock.
extension DocumentCollection {
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
    func scheduleMerge() {
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
