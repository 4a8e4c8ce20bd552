import Foundation
import TesseraIO

/// A task and query read from what an LLM wrote.
public struct GeneratedQuery: Sendable, Equatable {
    /// The task description (nil when the LLM wrote none).
    public var task: String?
    /// The query.
    public var query: String

    /// Makes one.
    public init(task: String?, query: String) {
        self.task = task
        self.query = query
    }
}

/// Why nothing could be read from an answer.
public enum ParseFailure: String, Error, Sendable, CaseIterable {
    /// The answer is empty or whitespace.
    case empty
    /// The answer stopped (length limit) inside the query.
    case truncated
    /// No query can be found in it.
    case unparseable
}

/// Reads a task and a query from what small models actually write: a JSON object (possibly inside a code fence or
/// after stray text, possibly with the keys capitalised), `task:` / `query:` lines, or a single line that is the query.
public enum GeneratedQueryParser {
    /// The task and query of `answer`; `truncated` says the server stopped at its length limit.
    public static func parse(_ answer: String, truncated: Bool = false) -> Result<GeneratedQuery, ParseFailure> {
        let text = answer.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty { return .failure(.empty) }
        if let found = firstJSONObject(in: text) { return .success(found) }
        if let found = quotedMembers(in: text) {
            switch found {
            case .success(let q): return .success(q)
            case .failure(let f): return .failure(f)
            }
        }
        if let found = labelledLines(in: text) { return .success(found) }
        if truncated { return .failure(.truncated) }
        // A single line with no structure: the query itself.
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if lines.count == 1, !lines[0].contains("{"), !lines[0].contains("}") {
            return .success(GeneratedQuery(task: nil, query: clean(lines[0])))
        }
        return .failure(.unparseable)
    }

    /// The first balanced `{…}` that parses as an object with a string `query` (any case).
    static func firstJSONObject(in text: String) -> GeneratedQuery? {
        let scalars = Array(text.unicodeScalars)
        var start = 0
        while start < scalars.count {
            guard let open = scalars[start...].firstIndex(of: "{") else { return nil }
            var depth = 0
            var inString = false
            var escaped = false
            var end: Int? = nil
            for i in open..<scalars.count {
                let c = scalars[i]
                if inString {
                    if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { inString = false }
                    continue
                }
                if c == "\"" { inString = true } else if c == "{" { depth += 1 } else if c == "}" {
                    depth -= 1
                    if depth == 0 { end = i; break }
                }
            }
            guard let end else { return nil }
            var candidate = String.UnicodeScalarView()
            candidate.append(contentsOf: scalars[open...end])
            if let object = try? JSONValue.parse(string: String(candidate)).objectValue {
                let members = Dictionary(object.entries.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
                if let query = members["query"]?.stringValue {
                    let task = members["task"]?.stringValue.map(clean)
                    return GeneratedQuery(task: task?.isEmpty == true ? nil : task, query: clean(query))
                }
            }
            start = open + 1
        }
        return nil
    }

    /// `"query": "…"` (and `"task": "…"`) in broken JSON; a query string that never closes is a truncation.
    static func quotedMembers(in text: String) -> Result<GeneratedQuery, ParseFailure>? {
        func member(_ name: String) -> (value: String, closed: Bool)? {
            guard let key = text.range(of: "\"\(name)\"", options: .caseInsensitive) else { return nil }
            var rest = text[key.upperBound...].drop(while: { $0 == " " || $0 == "\t" })
            guard rest.first == ":" else { return nil }
            rest = rest.dropFirst().drop(while: { $0 == " " || $0 == "\t" || $0 == "\n" })
            guard rest.first == "\"" else { return nil }
            rest = rest.dropFirst()
            var value = ""
            var escaped = false
            for c in rest {
                if escaped {
                    switch c {
                    case "n": value.append(" ")
                    case "t": value.append(" ")
                    default: value.append(c)
                    }
                    escaped = false
                } else if c == "\\" {
                    escaped = true
                } else if c == "\"" {
                    return (value, true)
                } else {
                    value.append(c)
                }
            }
            return (value, false)
        }
        guard let query = member("query") else { return nil }
        guard query.closed else { return .failure(.truncated) }
        let task = member("task").flatMap { $0.closed ? clean($0.value) : nil }
        return .success(GeneratedQuery(task: task?.isEmpty == true ? nil : task, query: clean(query.value)))
    }

    /// `Task: …` and `Query: …` lines (markdown bold and list markers allowed).
    static func labelledLines(in text: String) -> GeneratedQuery? {
        var task: String? = nil
        var query: String? = nil
        for raw in text.split(whereSeparator: \.isNewline) {
            var line = raw.trimmingCharacters(in: .whitespaces)
            line = String(line.drop(while: { "-*#> ".contains($0) }))
            line = line.replacingOccurrences(of: "**", with: "")
            let lower = line.lowercased()
            for (label, assign) in [("query", 0), ("task", 1)] where lower.hasPrefix(label) {
                var rest = line.dropFirst(label.count).drop(while: { $0 == " " })
                guard let first = rest.first, first == ":" || first == "-" || first == "=" else { continue }
                rest = rest.dropFirst()
                let value = clean(String(rest))
                guard !value.isEmpty else { continue }
                if assign == 0, query == nil { query = value }
                if assign == 1, task == nil { task = value }
            }
        }
        guard let query else { return nil }
        return GeneratedQuery(task: task, query: query)
    }

    /// Trims whitespace, wrapping quotes and stray end-of-text markers.
    static func clean(_ value: String) -> String {
        var s = value
        for marker in ["<|im_end|>", "</s>", "<|endoftext|>", "<|eot_id|>"] { s = s.replacingOccurrences(of: marker, with: "") }
        s = s.replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespaces)
        while s.count >= 2, let f = s.first, let l = s.last, (f == "\"" && l == "\"") || (f == "'" && l == "'") || (f == "`" && l == "`") {
            s = String(s.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
        }
        if s.hasSuffix(",") { s.removeLast() }
        return s.trimmingCharacters(in: .whitespaces)
    }
}
