import Foundation
import TesseraIO

/// A document of a training example: a text with an optional title.
public struct TrainingDocument: Sendable, Equatable {
    /// The title (may be empty).
    public var title: String?
    /// The text.
    public var text: String

    /// Makes a document.
    public init(title: String? = nil, text: String) {
        self.title = title
        self.text = text
    }
}

/// One line of a training file: `{"query": …, "positive": …, "negatives": [...], "task": …}`, a document being a
/// string or `{"title": …, "text": …}`; `negatives` and `task` are optional.
public struct TrainingExample: Sendable, Equatable {
    /// The query.
    public var query: String
    /// Its positive document.
    public var positive: TrainingDocument
    /// Its hard negatives.
    public var negatives: [TrainingDocument]
    /// The task description (Gecko's input format).
    public var task: String?
    /// The line it came from (1-based).
    public var line: Int

    /// Makes an example.
    public init(query: String, positive: TrainingDocument, negatives: [TrainingDocument] = [], task: String? = nil, line: Int = 0) {
        self.query = query
        self.positive = positive
        self.negatives = negatives
        self.task = task
        self.line = line
    }
}

/// How the texts of an example become encoder input.
public enum InputFormat: String, Sendable, CaseIterable, Codable {
    /// The query as it is; a document as `title + " " + text` (or the text alone without a title).
    case plain
    /// Gecko's format (PAPERS.md §1): `task: {task} | query: {q}` and `title: {t} | text: {x}`.
    case gecko

    /// The text encoded for `query` with `task`.
    public func query(_ query: String, task: String?) -> String {
        switch self {
        case .plain: return query
        case .gecko: return "task: \(task ?? "search result") | query: \(query)"
        }
    }

    /// The text encoded for `document`.
    public func document(_ document: TrainingDocument) -> String {
        switch self {
        case .plain:
            if let title = document.title, !title.isEmpty { return title + " " + document.text }
            return document.text
        case .gecko: return "title: \(document.title ?? "none") | text: \(document.text)"
        }
    }
}

/// Reads a JSON Lines training file, naming `file:line` in every error.
public enum TrainingData {
    /// Every example of `path` (blank lines skipped).
    public static func read(path: String) throws -> [TrainingExample] {
        let reader: LineReader
        do { reader = try LineReader(path: path) } catch {
            throw TrainingError(.invalidData, "cannot read training data \(path): \(error.message)")
        }
        var examples: [TrainingExample] = []
        while let bytes = try reader.next() {
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            examples.append(try parse(bytes, line: reader.lineNumber, source: path))
        }
        guard !examples.isEmpty else { throw TrainingError(.invalidData, "\(path): no training examples") }
        return examples
    }

    /// Parses one line.
    public static func parse(_ bytes: [UInt8], line: Int, source: String) throws(TrainingError) -> TrainingExample {
        func fail(_ why: String) -> TrainingError { TrainingError(.invalidData, "\(source):\(line): \(why)") }
        let value: JSONValue
        do { value = try JSONValue.parse(bytes) } catch { throw fail("invalid JSON: \(error)") }
        guard let o = value.objectValue else { throw fail("expected a JSON object") }
        guard let query = o["query"]?.stringValue else { throw fail("missing or non-string \"query\"") }
        guard !query.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw fail("empty query") }
        func document(_ v: JSONValue?, _ what: String) throws(TrainingError) -> TrainingDocument {
            if let s = v?.stringValue {
                guard !s.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw fail("empty \(what)") }
                return TrainingDocument(text: s)
            }
            guard let d = v?.objectValue else { throw fail("\(what) must be a string or {\"title\", \"text\"}") }
            guard let text = d["text"]?.stringValue else { throw fail("\(what) has no string \"text\"") }
            let title = d["title"]?.stringValue
            guard !(text + (title ?? "")).trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw fail("empty \(what)") }
            return TrainingDocument(title: title, text: text)
        }
        guard o["positive"] != nil else { throw fail("missing \"positive\"") }
        let positive = try document(o["positive"], "positive")
        var negatives: [TrainingDocument] = []
        if let list = o["negatives"], !list.isNull {
            guard let array = list.arrayValue else { throw fail("\"negatives\" must be an array") }
            for (i, n) in array.enumerated() { negatives.append(try document(n, "negative \(i + 1)")) }
        }
        var task: String? = nil
        if let t = o["task"], !t.isNull {
            guard let s = t.stringValue else { throw fail("\"task\" must be a string") }
            task = s
        }
        return TrainingExample(query: query, positive: positive, negatives: negatives, task: task, line: line)
    }
}
