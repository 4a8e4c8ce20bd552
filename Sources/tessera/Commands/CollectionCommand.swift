import ArgumentParser
import Foundation
import TesseraCollections
import TesseraEval
import TesseraIO
import TesseraSearch

/// `tessera collection`: a mutable, durable collection of documents (create, add, delete, get, search, merge, info).
struct CollectionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collection",
        abstract: "Create, change and search a persistent collection (write-ahead log, immutable segments, tombstones).",
        subcommands: [Create.self, Add.self, Delete.self, Get.self, Search.self, Evaluate.self, Merge.self, Info.self]
    )

    struct Location: ParsableArguments {
        @Option(name: .long, help: "The collection folder.")
        var path: String
        @Option(name: .long, help: "Encoder threads (default: every core).")
        var threads: Int = ProcessInfo.processInfo.activeProcessorCount

        /// Opens the collection; `hybrid` sets the two modes a `--mode hybrid` search fuses.
        func open(hybrid: HybridArguments? = nil) throws -> DocumentCollection {
            var options = CollectionOptions()
            options.threads = max(1, threads)
            if let hybrid {
                options.search.hybrid = try hybrid.modes()
                options.search.parameters.fusion = hybrid.fusionValue
            }
            return try DocumentCollection(path: path, options: options)
        }
    }

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an empty collection.")
        @Option(name: .long, help: "The collection folder to create (must not exist).")
        var path: String
        @Option(name: .long, help: "Model folder or cached model name (not needed for bm25 alone).")
        var model: String?
        @Option(name: .long, help: "Index kinds kept, comma-separated: dense, tokens, bm25.")
        var indexes: String = "dense,tokens,bm25"
        @Flag(name: .long, help: "Print a JSON summary on stdout.")
        var json = false

        func run() throws {
            var kinds = Set<CollectionIndex>()
            for name in indexes.split(separator: ",") {
                guard let kind = CollectionIndex(rawValue: String(name)) else { throw ValidationError("--indexes: unknown index \(name) (dense, tokens, bm25)") }
                kinds.insert(kind)
            }
            let c = try DocumentCollection.create(at: path, model: model, indexes: kinds)
            printError("created \(path): \(c.configuration.indexes.map(\.rawValue).joined(separator: ", "))")
            if json { printJSON([("path", .string(c.path)), ("indexes", .array(c.configuration.indexes.map { .string($0.rawValue) }))]) }
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add documents from JSON lines ({\"_id\", \"title\"?, \"text\"}); each batch is durable once it is reported.")
        @OptionGroup var location: Location
        @Option(name: .long, help: "JSON lines file of documents (- for standard input).")
        var documents: String
        @Flag(name: .long, help: "Replace documents whose id exists (default: refuse the batch).")
        var upsert = false
        @Option(name: .long, help: "Documents per batch (one segment each).")
        var batchSize: Int = 1000
        @Flag(name: .long, help: "Print a JSON summary on stdout.")
        var json = false

        func validate() throws { if batchSize < 1 { throw ValidationError("--batch-size must be at least 1") } }

        func run() throws {
            let c = try location.open()
            let reader = try TextRecordReader(path: documents)
            var batch: [CollectionDocument] = []
            var added = 0
            let start = Date()
            func flush() throws {
                guard !batch.isEmpty else { return }
                if upsert { try c.upsert(batch) } else { try c.add(batch) }
                added += batch.count
                printError("added \(added) documents (\(c.count) in the collection, \(c.segmentCount) segments)")
                batch.removeAll()
            }
            while let r = try reader.next() {
                guard let id = r.id, !id.isEmpty else { throw ValidationError("\(documents):\(r.line): a document needs an \"_id\"") }
                batch.append(CollectionDocument(id: id, title: r.title?.isEmpty == false ? r.title : nil, text: r.text))
                if batch.count == batchSize { try flush() }
            }
            try flush()
            c.waitForMerges()  // an automatic merge started by the last batches finishes before the process exits
            let seconds = Date().timeIntervalSince(start)
            printError(String(format: "%d documents in %.1f s", added, seconds))
            if json { printJSON(summary(c, [("added", .number(Double(added))), ("seconds", .number(seconds))])) }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete documents by id.")
        @OptionGroup var location: Location
        @Option(name: .long, help: "A document id (repeat for several).")
        var id: [String]
        @Flag(name: .long, help: "Print a JSON summary on stdout.")
        var json = false

        func run() throws {
            let c = try location.open()
            let n = try c.delete(ids: id)
            c.waitForMerges()
            printError("deleted \(n) of \(id.count) documents (\(c.count) left)")
            if json { printJSON(summary(c, [("deleted", .number(Double(n))), ("asked", .number(Double(id.count)))])) }
        }
    }

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a document as JSON.")
        @OptionGroup var location: Location
        @Option(name: .long, help: "The document id.")
        var id: String

        func run() throws {
            let c = try location.open()
            guard let d = c.document(id: id) else { throw ValidationError("no document \"\(id)\" in \(location.path)") }
            print(String(decoding: JSONWriter.encode(document(d, score: nil)), as: UTF8.self))
        }
    }

    struct Search: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Search the collection; prints one JSON line per hit.")
        @OptionGroup var location: Location
        @Option(name: .long, help: "The query text.")
        var query: String
        @Option(name: .long, help: "Retrieval mode (one the collection's indexes serve, or hybrid: two of them fused).")
        var mode: SearchMode = .xtr
        @OptionGroup var hybrid: HybridArguments
        @Option(name: .long, help: "Documents returned.")
        var k: Int = 10
        @Option(name: .long, help: "WARP: centroids probed per query token.")
        var nProbe: Int?
        @Option(name: .long, help: "HNSW: candidate list size.")
        var efSearch: Int?

        func validate() throws {
            try hybrid.check(mode: mode)
            if k < 1 { throw ValidationError("--k must be at least 1") }
        }

        func run() throws {
            let c = try location.open(hybrid: hybrid)
            var parameters = c.options.search.parameters
            parameters.nProbe = nProbe
            parameters.efSearch = efSearch
            for hit in try c.search(query, mode: mode, k: k, parameters: parameters) {
                print(String(decoding: JSONWriter.encode(document(CollectionDocument(id: hit.id, title: hit.title, text: hit.text), score: hit.score)),
                             as: UTF8.self))
            }
        }
    }

    struct Evaluate: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "eval",
                                                        abstract: "Search a BEIR split's queries in the collection and score the run (nDCG@10, Recall@100, search latency).")
        @OptionGroup var location: Location
        @Option(name: .long, help: "BEIR dataset folder (queries.jsonl, qrels/<split>.tsv).")
        var data: String
        @Option(name: .long, help: "Qrels split.")
        var split: String = "test"
        @Option(name: .long, help: "Retrieval mode (one the collection's indexes serve, or hybrid: two of them fused).")
        var mode: SearchMode = .xtr
        @OptionGroup var hybrid: HybridArguments

        func validate() throws { try hybrid.check(mode: mode) }

        func run() throws {
            let c = try location.open(hybrid: hybrid)
            let dataset = try BEIRDataset.load(folder: data, split: split)
            var run: Run = [:]
            var milliseconds: [Double] = []
            for id in dataset.judgedQueryIDs {
                let t0 = DispatchTime.now().uptimeNanoseconds
                let hits = try c.search(dataset.queries.text(of: id) ?? "", mode: mode, k: 100)
                milliseconds.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
                run[id] = hits.map { (docID: $0.id, score: Double($0.score)) }
            }
            let evaluation = Evaluator(qrels: dataset.qrels).evaluate(run, metrics: Metric.standard)
            let object = JSONObject([
                ("mode", .string(mode == .hybrid ? "hybrid \(hybrid.hybridValue) \((hybrid.fusion ?? .rrf).rawValue)" : mode.rawValue)),
                ("queries", .number(Double(evaluation.queryCount))),
                ("ndcg@10", .number(evaluation.mean(.ndcg(10)) ?? 0)), ("recall@100", .number(evaluation.mean(.recall(100)) ?? 0)),
                ("ms_p50", .number(BEIRReport.percentile(milliseconds, 50))), ("ms_mean", .number(BEIRReport.mean(milliseconds))),
                ("documents", .number(Double(c.count))), ("segments", .number(Double(c.segmentCount))),
            ])
            print(String(decoding: JSONWriter.encode(.object(object)), as: UTF8.self))
        }
    }

    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Merge every segment into one (drops deleted documents, retrains the token centroids).")
        @OptionGroup var location: Location
        @Flag(name: .long, help: "Print a JSON summary on stdout.")
        var json = false

        func run() throws {
            let c = try location.open()
            let before = c.segmentCount
            try c.merge()
            printError("merged \(before) segments into \(c.segmentCount) (\(c.count) documents)")
            if json { printJSON(summary(c, [("segments_before", .number(Double(before)))])) }
        }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the collection's model, indexes, document and segment counts as JSON.")
        @OptionGroup var location: Location

        func run() throws {
            let c = try location.open()
            let object = JSONObject([
                ("path", .string(c.path)), ("model", c.configuration.modelFolder.map(JSONValue.string) ?? .null),
                ("indexes", .array(c.configuration.indexes.map { .string($0.rawValue) })),
                ("modes", .array(c.modes.map { .string($0.rawValue) })),
                ("documents", .number(Double(c.count))), ("segments", .number(Double(c.segmentCount))),
            ])
            print(String(decoding: JSONWriter.encode(.object(object)), as: UTF8.self))
        }
    }
}

/// A write command's JSON summary: `entries`, then the collection's path, live documents and segments.
private func summary(_ c: DocumentCollection, _ entries: [(String, JSONValue)]) -> [(String, JSONValue)] {
    entries + [("path", .string(c.path)), ("documents", .number(Double(c.count))), ("segments", .number(Double(c.segmentCount)))]
}

private func document(_ d: CollectionDocument, score: Float?) -> JSONValue {
    var entries: [(key: String, value: JSONValue)] = [("id", .string(d.id))]
    if let score { entries.append(("score", .number(Double(score)))) }
    entries.append(("title", d.title.map(JSONValue.string) ?? .null))
    entries.append(("text", .string(d.text)))
    return .object(JSONObject(entries))
}
