import Foundation
import TesseraIndex
import TesseraKernels
import TesseraModels
import TesseraSearch

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
