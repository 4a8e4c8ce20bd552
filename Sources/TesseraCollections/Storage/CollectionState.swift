import Foundation
import TesseraIO

/// Which segments make up a collection and which of their rows are deleted, and the last write-ahead-log record
/// they include: `state.json`, replaced atomically (temporary file, fsync, rename, folder fsync) after each write.
/// A segment folder that the state does not list is a build that never committed, and is removed on open.
struct CollectionState: Sendable, Equatable {
    static let fileName = "state.json"
    static let formatVersion = 1

    /// One immutable segment.
    struct Segment: Sendable, Equatable {
        /// Its folder name under `segments/`.
        var name: String
        /// Documents it stores (deleted ones included).
        var documents: Int
        /// Rows deleted since it was written (tombstones), ascending.
        var deleted: [Int32]
    }

    /// The live segments, oldest first.
    var segments: [Segment] = []
    /// The sequence number of the last log record the segments include (0: none).
    var appliedSequence: UInt64 = 0
    /// The number the next new segment is named after.
    var nextSegment = 1

    func encoded() -> [UInt8] {
        let list: [JSONValue] = segments.map { s in
            .object(JSONObject([("name", .string(s.name)), ("documents", .number(Double(s.documents))),
                                ("deleted", .array(s.deleted.map { .number(Double($0)) }))]))
        }
        let object = JSONObject([
            ("format_version", .number(Double(Self.formatVersion))),
            // A string: sequence numbers above 2^53 would not survive a JSON number.
            ("applied_sequence", .string(String(appliedSequence))),
            ("next_segment", .number(Double(nextSegment))),
            ("segments", .array(list)),
        ])
        return JSONWriter.encode(.object(object)) + Array("\n".utf8)
    }

    static func decode(_ bytes: [UInt8], path: String) throws(CollectionError) -> CollectionState {
        func bad(_ why: String) -> CollectionError { CollectionError(.corrupted, "\(path): \(why)") }
        guard let object = (try? JSONValue.parse(bytes))?.objectValue else { throw bad("not a JSON object") }
        guard object["format_version"]?.intValue == formatVersion else { throw bad("unknown format_version") }
        guard let sequenceText = object["applied_sequence"]?.stringValue, let sequence = UInt64(sequenceText) else { throw bad("bad applied_sequence") }
        guard let next = object["next_segment"]?.intValue, next >= 1 else { throw bad("bad next_segment") }
        guard let list = object["segments"]?.arrayValue else { throw bad("segments must be an array") }
        var state = CollectionState(segments: [], appliedSequence: sequence, nextSegment: next)
        for item in list {
            guard let s = item.objectValue, let name = s["name"]?.stringValue, Self.isSegmentName(name),
                  let documents = s["documents"]?.intValue, documents >= 1, let deleted = s["deleted"]?.arrayValue else {
                throw bad("bad segment entry \(item)")
            }
            var rows: [Int32] = []
            for value in deleted {
                guard let row = value.intValue, row >= 0, row < documents, rows.last.map({ $0 < Int32(row) }) ?? true else {
                    throw bad("segment \(name): deleted rows must be ascending rows of the segment")
                }
                rows.append(Int32(row))
            }
            state.segments.append(Segment(name: name, documents: documents, deleted: rows))
        }
        guard Set(state.segments.map(\.name)).count == state.segments.count else { throw bad("a segment is listed twice") }
        return state
    }

    /// `seg-` followed by digits.
    static func isSegmentName(_ name: String) -> Bool {
        name.hasPrefix("seg-") && name.count > 4 && name.dropFirst(4).allSatisfy(\.isASCII) && name.dropFirst(4).allSatisfy(\.isNumber)
    }

    /// The name of segment number `n`.
    static func segmentName(_ n: Int) -> String {
        let digits = String(n)
        return "seg-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }
}
