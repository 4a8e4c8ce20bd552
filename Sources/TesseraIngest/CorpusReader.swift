import TesseraIO

/// Streams a BEIR `corpus.jsonl` for index building, checking ids as it goes: every document needs a
/// non-empty `_id`, ids are unique, and the corpus is not empty.
public final class CorpusReader {
    private let records: TextRecordReader?
    private let given: [TextRecord]
    private var position = 0
    private var seen = Set<[UInt8]>()
    /// Where the documents come from (a path, or "documents" for records given in memory).
    public let source: String
    /// Documents read so far.
    public private(set) var count = 0

    /// Opens `path`.
    public init(path: String) throws {
        records = try TextRecordReader(path: path)
        given = []
        source = path
    }

    /// Reads documents given in memory (a collection's batch), with the same checks as a file.
    public init(records: [TextRecord]) {
        self.records = nil
        given = records
        source = "documents"
    }

    private func nextRecord() throws -> TextRecord? {
        if let records { return try records.next() }
        guard position < given.count else { return nil }
        position += 1
        return given[position - 1]
    }

    /// The next `limit` documents (fewer at the end); empty when the corpus is exhausted.
    public func next(_ limit: Int) throws -> [TextRecord] {
        var out: [TextRecord] = []
        while out.count < limit, let record = try nextRecord() {
            guard let id = record.id, !id.isEmpty else {
                throw IOError(.invalidInput, "\(source):\(record.line): document without an \"_id\"")
            }
            guard seen.insert(Array(id.utf8)).inserted else {
                throw IOError(.invalidInput, "\(source):\(record.line): duplicate document id \"\(id)\"")
            }
            out.append(record)
        }
        count += out.count
        if out.isEmpty && count == 0 { throw IOError(.invalidInput, "\(source): the corpus is empty") }
        return out
    }
}
