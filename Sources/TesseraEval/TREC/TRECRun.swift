import TesseraIO

/// One query's retrieved documents with their scores, in any order (evaluation sorts them).
public typealias Ranking = [(docID: String, score: Double)]

/// A run in memory: query id → ranking.
public typealias Run = [String: Ranking]

/// A TREC run file: lines `qid Q0 docid rank score tag`, whitespace separated.
///
/// As in trec_eval, the rank column is not used for evaluation (documents are ranked by score, ties
/// broken by document id; see ``Evaluator``), blank lines and lines starting with `#` are skipped, and
/// the tag of the last line is kept.
public struct TRECRun: Sendable {
    /// What to do when a document appears twice for the same query.
    public enum DuplicatePolicy: Sendable {
        /// Throw an error naming both lines (trec_eval refuses such a run; so does pytrec_eval's `parse_run`).
        case reject
        /// Keep the occurrence with the highest score (the rule ``Evaluator`` applies to rankings in memory).
        case keepHighestScore
    }

    /// query id → ranking, in file order within each query.
    public var rankings: Run
    /// Query ids in the order they first appear.
    public var queryIDs: [String]
    /// The run tag of the last line, if the run was read from a file.
    public var tag: String?

    /// Makes a run; queries are ordered by their UTF-8 bytes unless `queryIDs` is given.
    public init(rankings: Run, queryIDs: [String]? = nil, tag: String? = nil) {
        self.rankings = rankings
        self.queryIDs = queryIDs ?? rankings.keys.sorted(by: utf8Less)
        self.tag = tag
    }

    /// The number of (query, document) lines.
    public var count: Int { rankings.values.reduce(0) { $0 + $1.count } }

    /// Reads a run file (`-` for standard input).
    ///
    /// Each line needs exactly six fields; the rank must be an integer and the score a number (not NaN).
    /// Errors name the file and line.
    public static func read(path: String, duplicates: DuplicatePolicy = .reject) throws(EvalError) -> TRECRun {
        let reader: LineReader
        do { reader = try LineReader(path: path) } catch { throw EvalError(error) }
        let source = reader.source
        var rankings: Run = [:]
        var positions: [String: [String: (index: Int, line: Int)]] = [:]
        var order: [String] = []
        var tag: String? = nil
        while true {
            let next: [UInt8]?
            do { next = try reader.next() } catch { throw EvalError(error) }
            guard let line = next else { break }
            let number = reader.lineNumber
            if Fields.isBlank(line) { continue }
            if let first = line.first(where: { !Fields.isSpace($0) }), first == UInt8(ascii: "#") { continue }
            func fail(_ code: EvalError.Code, _ why: String) -> EvalError {
                EvalError(code, "\(source):\(number): \(why)")
            }
            let fields = Fields.splitWhitespace(line)
            guard fields.count == 6 else {
                throw fail(.malformedLine, "expected 6 fields (qid Q0 docid rank score tag), found \(fields.count)")
            }
            guard let query = Fields.string(fields[0]), let doc = Fields.string(fields[2]),
                  let rankText = Fields.string(fields[3]), let scoreText = Fields.string(fields[4]),
                  let lineTag = Fields.string(fields[5]) else {
                throw fail(.malformedJSON, "invalid UTF-8")
            }
            guard Int(rankText) != nil else { throw fail(.malformedLine, "rank \(Fields.quoted(rankText)) is not an integer") }
            guard let score = Double(scoreText), !score.isNaN else {
                throw fail(.malformedLine, "score \(Fields.quoted(scoreText)) is not a number")
            }
            if rankings[query] == nil { order.append(query) }
            if let seen = positions[query]?[doc] {
                switch duplicates {
                case .reject:
                    throw fail(.duplicateIdentifier, "document \(Fields.quoted(doc)) appears twice for query \(Fields.quoted(query)) (first at line \(seen.line))")
                case .keepHighestScore:
                    if score > rankings[query]![seen.index].score {
                        rankings[query]![seen.index].score = score
                        positions[query]![doc] = (seen.index, number)
                    }
                    tag = lineTag
                    continue
                }
            }
            positions[query, default: [:]][doc] = (rankings[query, default: []].count, number)
            rankings[query, default: []].append((doc, score))
            tag = lineTag
        }
        return TRECRun(rankings: rankings, queryIDs: order, tag: tag)
    }

    /// Writes the run atomically (temporary file renamed into place; nothing is left on error).
    ///
    /// Queries follow ``queryIDs`` (then any others by UTF-8 bytes); within a query, documents are written
    /// in evaluation order (score descending, ties by document id descending) with ranks from 1, so the
    /// rank column agrees with how trec_eval ranks the file. Scores are written in Swift's shortest
    /// round-trip form, so reading the file back gives the same `Double`s.
    public func write(to path: String, tag: String? = nil, depth: Int? = nil) throws(EvalError) {
        let runTag = tag ?? self.tag ?? "tessera"
        guard !runTag.isEmpty, !runTag.utf8.contains(where: Fields.isSpace) else {
            throw EvalError(.invalidValue, "cannot write \(path): run tag \(Fields.quoted(runTag)) is empty or holds whitespace")
        }
        let file: AtomicFile
        do { file = try AtomicFile(destination: path) } catch { throw EvalError(error) }
        var listed = Set<String>()
        var queries: [String] = []
        for q in queryIDs where rankings[q] != nil && listed.insert(q).inserted { queries.append(q) }
        queries += rankings.keys.filter { !listed.contains($0) }.sorted(by: utf8Less)
        var out: [UInt8] = []
        out.reserveCapacity(1 << 16)
        let tagBytes = Array(runTag.utf8)
        for query in queries {
            try Self.checkIdentifier(query, kind: "query id", path: path)
            var ranking = rankings[query]!
            ranking.sort(by: evaluationOrder)
            if let depth, ranking.count > depth { ranking.removeLast(ranking.count - depth) }
            for (i, entry) in ranking.enumerated() {
                try Self.checkIdentifier(entry.docID, kind: "document id", path: path)
                guard !entry.score.isNaN else {
                    throw EvalError(.invalidValue, "cannot write \(path): score of document \(Fields.quoted(entry.docID)) for query \(Fields.quoted(query)) is NaN")
                }
                out.append(contentsOf: query.utf8)
                out.append(contentsOf: " Q0 ".utf8)
                out.append(contentsOf: entry.docID.utf8)
                out.append(0x20)
                out.append(contentsOf: String(i + 1).utf8)
                out.append(0x20)
                out.append(contentsOf: entry.score.description.utf8)
                out.append(0x20)
                out.append(contentsOf: tagBytes)
                out.append(0x0A)
            }
            if out.count >= 1 << 16 {
                do { try file.write(out) } catch { throw EvalError(error) }
                out.removeAll(keepingCapacity: true)
            }
        }
        do {
            try file.write(out)
            try file.commit()
        } catch { throw EvalError(error) }
    }

    private static func checkIdentifier(_ id: String, kind: String, path: String) throws(EvalError) {
        // A line starting with `#` would read back as a comment, so query ids may not start with it.
        let commentLike = kind == "query id" && id.utf8.first == UInt8(ascii: "#")
        guard !id.isEmpty, !id.utf8.contains(where: Fields.isSpace), !commentLike else {
            throw EvalError(.invalidValue, "cannot write \(path): \(kind) \(Fields.quoted(id)) is empty, holds whitespace or starts with #")
        }
    }
}

/// trec_eval's ranking order: score descending, ties broken by document id in descending byte order.
/// NaN scores (which trec_eval cannot order) go last.
@inline(__always)
func evaluationOrder(_ a: (docID: String, score: Double), _ b: (docID: String, score: Double)) -> Bool {
    if a.score > b.score { return true }
    if a.score < b.score { return false }
    if a.score.isNaN != b.score.isNaN { return b.score.isNaN }
    return utf8Less(b.docID, a.docID)
}
