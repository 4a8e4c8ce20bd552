import TesseraIO

/// Streams a BEIR `corpus.jsonl` for index building, checking ids as it goes: every document needs a
/// non-empty `_id`, ids are unique, and the corpus is not empty.
public final class CorpusReader {
    private let records: TextRecordReader
    private var seen = Set<[UInt8]>()
    /// Documents read so far.
    public private(set) var count = 0

    /// Opens `path`.
    public init(path: String) throws {
        records = try TextRecordReader(path: path)
    }

    /// The next `limit` documents (fewer at the end); empty when the corpus is exhausted.
    public func next(_ limit: Int) throws -> [TextRecord] {
        var out: [TextRecord] = []
        while out.count < limit, let record = try records.next() {
            guard let id = record.id, !id.isEmpty else {
                throw IOError(.invalidInput, "\(records.source):\(record.line): document without an \"_id\"")
            }
            guard seen.insert(Array(id.utf8)).inserted else {
                throw IOError(.invalidInput, "\(records.source):\(record.line): duplicate document id \"\(id)\"")
            }
            out.append(record)
        }
        count += out.count
        if out.isEmpty && count == 0 { throw IOError(.invalidInput, "\(records.source): the corpus is empty") }
        return out
    }
}
