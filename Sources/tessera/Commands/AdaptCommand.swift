import ArgumentParser
import Foundation
import TesseraEval
import TesseraIO
import TesseraIndex
import TesseraKernels
import TesseraModels
import TesseraSearch

/// `tessera adapt`: AligneR's few-shot alignment adaptation (PAPERS.md §3).
struct AdaptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adapt",
        abstract: "Choose AligneR's alignment (top-k or top-p) on a few labelled queries and report it on the rest.",
        discussion: "With the model frozen, every alignment of the grid k ∈ {1,2,4,6,8}, p ∈ {0.5,1,1.5,2}% is scored by nDCG@10 on at most --shots labelled queries (drawn with --seed); the best is then evaluated on the remaining queries, next to zero-shot top-1."
    )

    @Option(name: .long, help: "BEIR dataset folder.")
    var data: String
    @Option(name: .long, help: "Model folder or cached model name.")
    var model: String
    @Option(name: .long, help: "Qrels split.")
    var split: String = "test"
    @Option(name: .long, help: "Labelled queries used to choose (at most 8, as in the paper).")
    var shots: Int = 8
    @Option(name: .long, help: "Seed of the query draw.")
    var seed: UInt64 = 0
    @Flag(name: .long, help: "Print one JSON object.")
    var json = false
    @OptionGroup var indexing: IndexArguments
    @OptionGroup var search: SearchArguments

    func validate() throws {
        if shots < 1 || shots > 8 { throw ValidationError("--shots must be between 1 and 8") }
        if search.alignment != nil { throw ValidationError("--alignment is what adapt chooses (from Alignment.adaptationGrid); leave it out") }
        try search.check(mode: .alignerExact, buildsIndexes: false)
    }

    func run() throws {
        let dataset = try BEIRDataset.load(folder: data, split: split)
        let (path, _) = try ensureIndex(kind: .tokens, data: data, model: model, indexing: indexing, quiet: json)
        let loaded = try EmbeddingModel(folder: try ModelStore.resolve(model))
        let searcher = try TokenSearcher(path: path, model: loaded, mode: .aligner, options: search.options)
        var ids = dataset.judgedQueryIDs
        var rng = SplitMix64(seed: seed)
        ids.shuffle(using: &rng)
        let few = Array(ids.prefix(shots)), rest = Array(ids.dropFirst(shots))
        let prepared = try Dictionary(uniqueKeysWithValues: ids.map { ($0, try searcher.prepare(dataset.queries.text(of: $0) ?? "")) })
        let evaluator = Evaluator(qrels: dataset.qrels)
        let documentIDs = searcher.documentIDs
        func ndcg(_ alignment: Alignment, _ queries: [String]) throws -> Double {
            // One searcher for the whole grid: the alignment is a per-query parameter.
            var parameters = searcher.defaultParameters
            parameters.alignment = alignment
            var run: Run = [:]
            for q in queries {
                guard let p = prepared[q] else { continue }
                run[q] = try searcher.search(p, topK: search.topK, parameters: parameters).map { (docID: documentIDs[Int($0.document)], score: Double($0.score)) }
            }
            return evaluator.evaluate(run, metrics: [.ndcg(10)]).mean(.ndcg(10)) ?? 0
        }
        var grid: [(Alignment, Double)] = []
        for alignment in Alignment.adaptationGrid { grid.append((alignment, try ndcg(alignment, few))) }
        // The best few-shot nDCG@10; ties go to the earlier (simpler) alignment of the grid.
        let bestScore = grid.map(\.1).max() ?? 0
        let chosen = grid.first { $0.1 == bestScore }?.0 ?? .topK(1)
        let adapted = try ndcg(chosen, rest)
        let zeroShot = try ndcg(.topK(1), rest)
        if json {
            let object = JSONObject([
                ("dataset", .string(URL(fileURLWithPath: data).lastPathComponent)), ("shots", .number(Double(few.count))),
                ("chosen", .string(chosen.description)),
                ("few_shot_ndcg@10", .object(JSONObject(grid.map { ($0.0.description, JSONValue.number($0.1)) }))),
                ("remaining_queries", .number(Double(rest.count))), ("ndcg@10_adapted", .number(adapted)), ("ndcg@10_top1", .number(zeroShot)),
                ("prune", .number(search.pruneValue)),
            ])
            print(String(decoding: JSONWriter.encode(.object(object)), as: UTF8.self))
        } else {
            for (a, v) in grid { print(String(format: "%-12@ nDCG@10 on %d shots: %.4f", a.description, few.count, v)) }
            print("chosen: \(chosen)")
            print(String(format: "remaining %d queries: nDCG@10 %.4f adapted (%@) vs %.4f top-1", rest.count, adapted, chosen.description, zeroShot))
        }
    }
}
