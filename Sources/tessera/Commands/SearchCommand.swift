import ArgumentParser
import Foundation
import TesseraEval
import TesseraIO
import TesseraKernels
import TesseraModels
import TesseraSearch

/// `tessera search`: run queries against an index and write a TREC run.
struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search an index with JSON lines queries (_id, text) and write a TREC run file.",
        discussion: "A hybrid (--mode hybrid) takes two --index folders, fused as --hybrid names them (default xtr,bm25)."
    )

    @Option(name: .long, help: "Index folder (twice for --mode hybrid).")
    var index: [String]
    @Option(name: .long, help: "queries.jsonl (_id, text).")
    var queries: String
    @Option(name: .long, help: "Retrieval mode.")
    var mode: SearchMode
    @Option(name: .long, help: "Query model (default: the model folder recorded in the index).")
    var model: String?
    @Option(name: .long, help: "Only the queries judged in this qrels file.")
    var qrels: String?
    @Option(name: .long, help: "TREC run file to write.")
    var out: String
    @Option(name: .long, help: "Run tag (6th column).")
    var tag: String = "tessera"
    @Option(name: .long, help: "Queries searched at the same time (default: one per core); --threads is per query.")
    var parallelQueries: Int?
    @Flag(name: .long, help: "Print the summary as one JSON object on stdout.")
    var json = false
    @OptionGroup var search: SearchArguments

    func validate() throws {
        if let parallelQueries, parallelQueries < 1 { throw ValidationError("--parallel-queries must be at least 1") }
        try search.check(mode: mode, buildsIndexes: false)
    }

    func run() throws {
        let searchMode = mode
        let searcher = try openSearcher(mode: searchMode, indexes: index, model: model, arguments: search)
        let loaded = try BEIRDataset.loadQueries(path: queries)
        var ids = loaded.ids
        if let qrels {
            let judged = try Qrels.load(path: qrels)
            let keep = Set(judged.queryIDs)
            ids = ids.filter { keep.contains($0) }
        }
        var run: Run = [:]
        let documentIDs = searcher.documentIDs
        // Queries are independent: `--parallel-queries` workers take them in turn (searchers are safe for
        // concurrent queries); results are collected by position, so the run does not depend on the schedule.
        let texts = ids.map { loaded.text(of: $0) ?? "" }
        let results = ResultSlots(count: ids.count)
        let topK = search.topK
        let box = UncheckedBox(searcher)
        Parallel.forEach(count: texts.count, threads: parallelQueries ?? Parallel.availableCores) { _, i in
            results.set(i, Result { try box.value.search(texts[i], topK: topK) })
        }
        for (i, id) in ids.enumerated() {
            let hits = try results.get(i)
            run[id] = hits.map { (docID: documentIDs[Int($0.document)], score: Double($0.score)) }
        }
        try TRECRun(rankings: run, queryIDs: ids, tag: tag).write(to: out, tag: tag)
        if json {
            printJSON([("queries", .number(Double(ids.count))), ("mode", .string(mode.rawValue)), ("out", .string(out))])
        } else {
            printError("searched \(ids.count) queries (\(mode.rawValue)) -> \(out)")
        }
    }
}

/// One result per query, filled by concurrent workers.
private final class ResultSlots: @unchecked Sendable {
    private var slots: [Result<[ScoredDocument], any Error>?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Result<[ScoredDocument], any Error>) { lock.lock(); slots[i] = r; lock.unlock() }
    func get(_ i: Int) throws -> [ScoredDocument] {
        lock.lock(); let r = slots[i]; lock.unlock()
        guard let r else { return [] }
        return try r.get()
    }
}
