import ArgumentParser
import Foundation
import TesseraEval
import TesseraIO

/// `tessera eval`: score a TREC run against qrels with trec_eval's rules.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a TREC run against qrels: nDCG@10, Recall@100, MRR@10, MAP@100, P@10 (trec_eval rules).",
        discussion: """
        Values equal pytrec_eval / trec_eval (ndcg_cut, recall, map_cut, P; MRR@k is recip_rank on each \
        ranking cut to its top k, as BEIR reports it). Documents are ranked by score, ties broken by \
        document id in descending byte order; the rank column is ignored. Means are over the queries of \
        the run that have judgments; judged queries missing from the run are left out, as trec_eval does \
        without -c, unless --complete is given. Skipped queries and other findings are reported on stderr.

        The qrels may be BEIR TSV (query-id corpus-id score, header optional) or TREC (qid 0 docid rel).
        """
    )

    @Option(name: .customLong("run"), help: "TREC run file: qid Q0 docid rank score tag.")
    var runPath: String

    @Option(name: .long, help: "Qrels: BEIR qrels/{split}.tsv or TREC qrels.")
    var qrels: String

    @Flag(name: .long, help: "Print one JSON object of means instead of a table.")
    var json = false

    @Option(name: .long, parsing: .singleValue,
            help: "Extra cutoffs (comma-separated or repeated): adds ndcg@k, recall@k, mrr@k, map@k and p@k for each.")
    var k: [String] = []

    @Option(name: .long, help: "Relevance at or above this level counts as relevant for recall, MRR, MAP and P (trec_eval -l).")
    var relevanceLevel: Int = 1

    @Flag(name: .long, help: "Count judged queries that are missing from the run as 0 (trec_eval -c).")
    var complete = false

    func run() throws {
        var metrics = Metric.standard
        for item in k {
            for part in item.split(separator: ",", omittingEmptySubsequences: false) {
                guard let cutoff = Int(part.trimmingCharacters(in: .whitespaces)), cutoff >= 1 else {
                    throw ValidationError("--k takes positive integers, got \"\(part)\"")
                }
                for metric in Metric.all(at: cutoff) where !metrics.contains(metric) { metrics.append(metric) }
            }
        }
        let judgments = try Qrels.load(path: qrels)
        let run = try TRECRun.read(path: runPath)
        let evaluation = Evaluator(qrels: judgments, relevanceLevel: relevanceLevel)
            .evaluate(run.rankings, metrics: metrics, countMissingQueries: complete)
        for warning in judgments.warnings { printError("tessera: warning: \(warning)") }
        for warning in evaluation.warnings { printError("tessera: warning: \(warning)") }
        guard evaluation.queryCount > 0 else {
            throw EvalError(.empty, "no query of \(runPath) has judgments in \(qrels)")
        }
        if json {
            var entries: [(key: String, value: JSONValue)] = metrics.map { ($0.name, .number(evaluation.mean($0)!)) }
            entries.append(("queries", .number(Double(evaluation.queryCount))))
            var out = JSONWriter.encode(.object(JSONObject(entries)))
            out.append(0x0A)
            FileHandle.standardOutput.write(Data(out))
        } else {
            let width = max(10, metrics.map(\.name.count).max() ?? 0)
            func pad(_ s: String) -> String { s + String(repeating: " ", count: max(0, width - s.count)) }
            var lines = [pad("metric") + "  value"]
            for metric in metrics { lines.append(pad(metric.name) + String(format: "  %.4f", evaluation.mean(metric)!)) }
            lines.append(pad("queries") + "  \(evaluation.queryCount)")
            print(lines.joined(separator: "\n"))
        }
    }
}
