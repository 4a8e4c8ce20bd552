import TesseraIO

/// A BEIR corpus in file order: document `i` has id `ids[i]`, title `titles[i]`, text `texts[i]`.
///
/// The position is the document's stable integer id. ``index`` maps external ids back to positions;
/// it is a Swift `Dictionary<String, Int>`, whose keys compare by Unicode canonical equivalence, so two
/// ids with different bytes but the same canonical form are rejected as duplicates at load time
/// (BEIR ids are ASCII in practice).
public struct BEIRCorpus: Sendable {
    /// External ids (`_id`), in file order.
    public var ids: [String]
    /// Titles (`""` when absent or null), in file order.
    public var titles: [String]
    /// Texts, in file order.
    public var texts: [String]
    /// External id → position.
    public var index: [String: Int]

    /// Makes a corpus from parallel arrays; ids must be unique and non-empty.
    public init(ids: [String], titles: [String], texts: [String]) throws(EvalError) {
        guard ids.count == titles.count, ids.count == texts.count else {
            throw EvalError(.invalidValue, "corpus arrays differ in length (\(ids.count) ids, \(titles.count) titles, \(texts.count) texts)")
        }
        var index: [String: Int] = [:]
        index.reserveCapacity(ids.count)
        for (i, id) in ids.enumerated() {
            guard !id.isEmpty else { throw EvalError(.emptyIdentifier, "corpus document \(i) has an empty id") }
            guard index.updateValue(i, forKey: id) == nil else {
                throw EvalError(.duplicateIdentifier, "corpus id \(Fields.quoted(id)) appears twice")
            }
        }
        self.ids = ids
        self.titles = titles
        self.texts = texts
        self.index = index
    }

    init(ids: [String], titles: [String], texts: [String], index: [String: Int]) {
        self.ids = ids
        self.titles = titles
        self.texts = texts
        self.index = index
    }

    /// The number of documents.
    public var count: Int { ids.count }

    /// The position of an external id.
    public func position(of id: String) -> Int? { index[id] }

    /// The text to encode for document `i`: `title + " " + text` when the title is non-empty (as
    /// sentence-transformers users encode BEIR corpora), else `text`.
    public func encodedText(_ i: Int) -> String {
        titles[i].isEmpty ? texts[i] : titles[i] + " " + texts[i]
    }
}

/// BEIR queries in file order, with an id → position map (same id rules as ``BEIRCorpus``).
public struct BEIRQueries: Sendable {
    /// External ids (`_id`), in file order.
    public var ids: [String]
    /// Texts, in file order.
    public var texts: [String]
    /// External id → position.
    public var index: [String: Int]

    /// The number of queries.
    public var count: Int { ids.count }

    /// The text of a query id.
    public func text(of id: String) -> String? { index[id].map { texts[$0] } }
}

/// A BEIR dataset folder: `corpus.jsonl`, `queries.jsonl` and `qrels/{split}.tsv`.
///
/// Loading streams each file line by line and stops at the first error, naming the file and line:
/// malformed JSON or UTF-8, a line that is not an object, a missing or mistyped `_id` / `text`, an empty
/// or duplicate id, an empty corpus or query file, a malformed qrels line or non-integer relevance.
/// Judgments naming documents absent from the corpus or queries absent from `queries.jsonl` are kept
/// (they still count as relevant, as in trec_eval, lowering recall) and reported in ``warnings``.
public struct BEIRDataset: Sendable {
    /// The folder the dataset was loaded from.
    public var folder: String
    /// The qrels split (`test`, `dev`, `train`), or nil when no qrels were loaded.
    public var split: String?
    /// The documents.
    public var corpus: BEIRCorpus
    /// All queries of `queries.jsonl`.
    public var queries: BEIRQueries
    /// The judgments of the split (empty when `split` is nil).
    public var qrels: Qrels
    /// Judgments whose document id is not in the corpus.
    public var unknownDocumentJudgments: Int
    /// Judgments whose query id is not in `queries.jsonl`.
    public var unknownQueryJudgments: Int
    /// Non-fatal findings, one line each, for the CLI to print.
    public var warnings: [String]

    /// Ids of the queries (in `queries.jsonl` order) that have at least one judgment in the split: the
    /// queries a BEIR evaluation searches.
    public var judgedQueryIDs: [String] {
        queries.ids.filter { qrels[$0] != nil }
    }

    /// Loads `folder/corpus.jsonl`, `folder/queries.jsonl` and, unless `split` is nil,
    /// `folder/qrels/{split}.tsv`.
    public static func load(folder: String, split: String? = "test") throws(EvalError) -> BEIRDataset {
        let base = folder.hasSuffix("/") ? String(folder.dropLast()) : folder
        var isFolder = false
        guard fileExists(base, isFolder: &isFolder), isFolder else {
            throw EvalError(.missingFile, "BEIR folder \(folder) does not exist")
        }
        let corpus = try loadCorpus(path: base + "/corpus.jsonl")
        let queries = try loadQueries(path: base + "/queries.jsonl")
        var qrels = Qrels([:])
        var warnings: [String] = []
        var unknownDocs = 0
        var unknownQueries = 0
        if let split {
            let path = base + "/qrels/\(split).tsv"
            var isDir = false
            guard fileExists(path, isFolder: &isDir), !isDir else {
                throw EvalError(.missingFile, "qrels file \(path) does not exist (split \(Fields.quoted(split)))")
            }
            qrels = try Qrels.load(path: path)
            guard qrels.count > 0 else { throw EvalError(.empty, "\(path) holds no judgments") }
            warnings += qrels.warnings
            var unknownDocIDs = Set<String>()
            var unknownQueryIDs: [String] = []
            for query in qrels.queryIDs {
                let judged = qrels.judgments[query]!
                if queries.index[query] == nil {
                    unknownQueries += judged.count
                    unknownQueryIDs.append(query)
                }
                for doc in judged.keys where corpus.index[doc] == nil {
                    unknownDocs += 1
                    unknownDocIDs.insert(doc)
                }
            }
            func sample(_ ids: [String]) -> String {
                ids.prefix(5).map(Fields.quoted).joined(separator: ", ") + (ids.count > 5 ? ", …" : "")
            }
            if unknownDocs > 0 {
                let n = unknownDocIDs.count
                warnings.append("\(path): \(unknownDocs) judgment(s) name \(n) document\(n == 1 ? "" : "s") not in corpus.jsonl (\(sample(unknownDocIDs.sorted(by: utf8Less)))); kept as judged, so the relevant ones lower recall as in trec_eval")
            }
            if unknownQueries > 0 {
                let n = unknownQueryIDs.count
                warnings.append("\(path): \(unknownQueries) judgment(s) belong to \(n) quer\(n == 1 ? "y" : "ies") not in queries.jsonl (\(sample(unknownQueryIDs))); they are never searched")
            }
        }
        return BEIRDataset(folder: base, split: split, corpus: corpus, queries: queries, qrels: qrels,
                           unknownDocumentJudgments: unknownDocs, unknownQueryJudgments: unknownQueries,
                           warnings: warnings)
    }

    /// Loads a BEIR `corpus.jsonl`: one object per line with `_id` (string or integer), `text` (string)
    /// and optional `title` (string or null); other fields are ignored. Blank lines are skipped.
    public static func loadCorpus(path: String) throws(EvalError) -> BEIRCorpus {
        var ids: [String] = []
        var titles: [String] = []
        var texts: [String] = []
        var index: [String: Int] = [:]
        var lines: [Int32] = []
        try forEachObject(path: path) { (object, line, fail) throws(EvalError) in
            let id = try identifier(object, fail)
            let text = try string(object, "text", required: true, fail)!
            let title = try string(object, "title", required: false, fail) ?? ""
            if let first = index.updateValue(ids.count, forKey: id) {
                throw fail(.duplicateIdentifier, "duplicate _id \(Fields.quoted(id)) (first at line \(lines[first]))")
            }
            ids.append(id)
            titles.append(title)
            texts.append(text)
            lines.append(Int32(clamping: line))
        }
        guard !ids.isEmpty else { throw EvalError(.empty, "\(path): the corpus holds no documents") }
        return BEIRCorpus(ids: ids, titles: titles, texts: texts, index: index)
    }

    /// Loads a BEIR `queries.jsonl`: one object per line with `_id` (string or integer) and `text`
    /// (string); other fields are ignored. Blank lines are skipped.
    public static func loadQueries(path: String) throws(EvalError) -> BEIRQueries {
        var ids: [String] = []
        var texts: [String] = []
        var index: [String: Int] = [:]
        var lines: [Int] = []
        try forEachObject(path: path) { (object, line, fail) throws(EvalError) in
            let id = try identifier(object, fail)
            let text = try string(object, "text", required: true, fail)!
            if let first = index.updateValue(ids.count, forKey: id) {
                throw fail(.duplicateIdentifier, "duplicate _id \(Fields.quoted(id)) (first at line \(lines[first]))")
            }
            ids.append(id)
            texts.append(text)
            lines.append(line)
        }
        guard !ids.isEmpty else { throw EvalError(.empty, "\(path): the file holds no queries") }
        return BEIRQueries(ids: ids, texts: texts, index: index)
    }

    // MARK: - Line parsing

    typealias Failure = (EvalError.Code, String) -> EvalError

    private static func forEachObject(
        path: String, _ body: (JSONObject, Int, Failure) throws(EvalError) -> Void
    ) throws(EvalError) {
        let reader: LineReader
        do { reader = try LineReader(path: path) } catch { throw EvalError(error) }
        while true {
            let next: [UInt8]?
            do { next = try reader.next() } catch { throw EvalError(error) }
            guard let bytes = next else { return }
            let line = reader.lineNumber
            if Fields.isBlank(bytes) { continue }
            let fail: Failure = { code, why in EvalError(code, "\(path):\(line): \(why)") }
            let value: JSONValue
            do { value = try JSONValue.parse(bytes) } catch {
                throw fail(.malformedJSON, error.message.contains("UTF-8") ? "invalid UTF-8 (\(error.description))" : "malformed JSON: \(error.description)")
            }
            guard let object = value.objectValue else { throw fail(.malformedJSON, "expected a JSON object") }
            try body(object, line, fail)
        }
    }

    private static func identifier(_ object: JSONObject, _ fail: Failure) throws(EvalError) -> String {
        guard let value = object["_id"] else { throw fail(.missingField, "missing field \"_id\"") }
        let id: String
        if let s = value.stringValue { id = s } else if let n = value.intValue { id = String(n) } else {
            throw fail(.missingField, "field \"_id\" is not a string")
        }
        guard !id.isEmpty else { throw fail(.emptyIdentifier, "empty _id") }
        return id
    }

    private static func string(_ object: JSONObject, _ key: String, required: Bool, _ fail: Failure) throws(EvalError) -> String? {
        guard let value = object[key], !(value.isNull && !required) else {
            if required { throw fail(.missingField, "missing field \"\(key)\"") }
            return nil
        }
        guard let s = value.stringValue else { throw fail(.missingField, "field \"\(key)\" is not a string") }
        return s
    }
}
