/// One text record of a JSON Lines file: `{"text": ...}`, optionally with `_id` and `title` (BEIR corpus).
public struct TextRecord: Sendable, Equatable {
    /// The `_id` (or `id`) field, if present.
    public var id: String?
    /// The `title` field, if present.
    public var title: String?
    /// The `text` field.
    public var text: String
    /// The 1-based line the record came from.
    public var line: Int

    /// Makes a record.
    public init(id: String? = nil, title: String? = nil, text: String, line: Int) {
        self.id = id
        self.title = title
        self.text = text
        self.line = line
    }

    /// The text to encode: `title + " " + text` when a non-empty title is present (as sentence-transformers
    /// users encode BEIR corpora), else `text`.
    public var encodedText: String {
        if let title, !title.isEmpty { return title + " " + text }
        return text
    }
}

/// Reads text records from a JSON Lines file or standard input, in bounded memory, with errors that name
/// the line: malformed JSON, invalid UTF-8, a missing or non-string `text`.
public final class TextRecordReader {
    private let lines: LineReader

    /// Opens `path` (`-` for standard input).
    public init(path: String) throws(IOError) {
        lines = try LineReader(path: path)
    }

    /// Where the records come from.
    public var source: String { lines.source }

    /// The next record, or nil at the end. Blank lines are skipped.
    public func next() throws(IOError) -> TextRecord? {
        while let bytes = try lines.next() {
            let line = lines.lineNumber
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            return try Self.parse(bytes, line: line, source: lines.source)
        }
        return nil
    }

    /// Up to `count` records (fewer only at the end of input).
    public func next(_ count: Int) throws(IOError) -> [TextRecord] {
        var out: [TextRecord] = []
        out.reserveCapacity(count)
        while out.count < count, let record = try next() { out.append(record) }
        return out
    }

    /// Parses one line into a record.
    public static func parse(_ bytes: [UInt8], line: Int, source: String) throws(IOError) -> TextRecord {
        let value: JSONValue
        do { value = try JSONValue.parse(bytes) } catch {
            let code: IOError.Code = error.message.contains("UTF-8") ? .invalidUTF8 : .invalidJSON
            throw IOError(code, "\(source):\(line): \(error.message)")
        }
        guard let object = value.objectValue else { throw IOError(.invalidInput, "\(source):\(line): expected a JSON object") }
        guard let textValue = object["text"] else { throw IOError(.invalidInput, "\(source):\(line): missing field \"text\"") }
        guard let text = textValue.stringValue else { throw IOError(.invalidInput, "\(source):\(line): field \"text\" is not a string") }
        var title: String? = nil
        if let t = object["title"], !t.isNull {
            guard let s = t.stringValue else { throw IOError(.invalidInput, "\(source):\(line): field \"title\" is not a string") }
            title = s
        }
        var id: String? = nil
        if let v = object["_id"] ?? object["id"] {
            if let s = v.stringValue { id = s } else if let n = v.intValue { id = String(n) } else {
                throw IOError(.invalidInput, "\(source):\(line): field \"_id\" is not a string")
            }
        }
        return TextRecord(id: id, title: title, text: text, line: line)
    }
}
