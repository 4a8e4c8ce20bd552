import TesseraIO

/// Relevance judgments: for each query id, the judged document ids and their integer relevance.
///
/// Read from BEIR `qrels/{split}.tsv` (`query-id corpus-id score`, header optional) or TREC qrels
/// (`qid iteration docid relevance`). Relevance may be any integer: values ≥ the evaluator's relevance
/// level count as relevant for the binary measures, positive values are nDCG gains, and negative values
/// mark a document as judged but never relevant (trec_eval's "unjudged in pool").
///
/// Identifiers are Swift `String`s, so two ids that differ in bytes but are canonically equivalent
/// Unicode (`"é"` precomposed and decomposed) are the same key; trec_eval compares bytes. The readers
/// reject such a pair as a duplicate instead of merging it silently; real ids are almost always ASCII.
public struct Qrels: Sendable {
    /// query id → (document id → relevance).
    public var judgments: [String: [String: Int]]
    /// Query ids in the order they first appear in the file (sorted by UTF-8 bytes for in-memory qrels).
    public var queryIDs: [String]
    /// Non-fatal findings while reading (exact duplicate lines), one line each.
    public var warnings: [String]

    /// Makes qrels from a dictionary; queries are ordered by their UTF-8 bytes.
    public init(_ judgments: [String: [String: Int]]) {
        self.judgments = judgments
        self.queryIDs = judgments.keys.sorted(by: utf8Less)
        self.warnings = []
    }

    init(judgments: [String: [String: Int]], queryIDs: [String], warnings: [String]) {
        self.judgments = judgments
        self.queryIDs = queryIDs
        self.warnings = warnings
    }

    /// The number of (query, document) judgments.
    public var count: Int { judgments.values.reduce(0) { $0 + $1.count } }

    /// The judgments of one query, or nil when it has none.
    public subscript(query: String) -> [String: Int]? {
        guard let j = judgments[query], !j.isEmpty else { return nil }
        return j
    }

    /// Reads a qrels file (`-` for standard input).
    ///
    /// Lines are split on tabs when they hold one, else on runs of whitespace. Three fields are
    /// `query-id corpus-id score` (BEIR), four are `qid iteration docid relevance` (TREC). The first
    /// line is a header, and skipped, when its relevance field holds a letter (`score`). Blank lines are
    /// skipped. Errors name the file and line: a wrong field count, an empty id, invalid UTF-8, a
    /// relevance that is not an integer, the same (query, document) pair twice with different
    /// relevance. The same pair twice with the same relevance is kept once, with a warning.
    public static func load(path: String) throws(EvalError) -> Qrels {
        let reader: LineReader
        do { reader = try LineReader(path: path) } catch { throw EvalError(error) }
        let source = reader.source
        var judgments: [String: [String: Int]] = [:]
        var lines: [String: [String: Int]] = [:]
        var order: [String] = []
        var repeated = 0
        var firstRepeat = 0
        var sawContent = false
        while true {
            let next: [UInt8]?
            do { next = try reader.next() } catch { throw EvalError(error) }
            guard let line = next else { break }
            let number = reader.lineNumber
            if Fields.isBlank(line) { continue }
            let isFirst = !sawContent
            sawContent = true
            let fields = line.contains(0x09) ? Fields.splitTabs(line) : Fields.splitWhitespace(line)
            func fail(_ code: EvalError.Code, _ why: String) -> EvalError {
                EvalError(code, "\(source):\(number): \(why)")
            }
            let q: ArraySlice<UInt8>, d: ArraySlice<UInt8>, r: ArraySlice<UInt8>
            switch fields.count {
            case 3: (q, d, r) = (fields[0], fields[1], fields[2])
            case 4: (q, d, r) = (fields[0], fields[2], fields[3])
            default:
                throw fail(.malformedLine, "expected 3 fields (query-id corpus-id score) or 4 (qid iteration docid relevance), found \(fields.count)")
            }
            guard let query = Fields.string(q), let doc = Fields.string(d), let relText = Fields.string(r) else {
                throw fail(.malformedJSON, "invalid UTF-8")
            }
            guard let relevance = Int(relText) else {
                if isFirst && relText.unicodeScalars.contains(where: { $0.properties.isAlphabetic }) { continue }
                throw fail(.malformedLine, "relevance \(Fields.quoted(relText)) is not an integer")
            }
            guard !query.isEmpty else { throw fail(.emptyIdentifier, "empty query id") }
            guard !doc.isEmpty else { throw fail(.emptyIdentifier, "empty document id") }
            if let previous = judgments[query]?[doc] {
                let firstLine = lines[query]?[doc] ?? 0
                guard previous == relevance else {
                    throw fail(.duplicateIdentifier, "query \(Fields.quoted(query)) judges document \(Fields.quoted(doc)) twice with different relevance (\(previous) at line \(firstLine), \(relevance) here)")
                }
                repeated += 1
                if firstRepeat == 0 { firstRepeat = number }
                continue
            }
            if judgments[query] == nil { order.append(query) }
            judgments[query, default: [:]][doc] = relevance
            lines[query, default: [:]][doc] = number
        }
        var warnings: [String] = []
        if repeated > 0 {
            warnings.append("\(source): \(repeated) judgment line(s) repeat an earlier (query, document) pair with the same relevance and were kept once (first at line \(firstRepeat))")
        }
        return Qrels(judgments: judgments, queryIDs: order, warnings: warnings)
    }
}
