import ArgumentParser
import Foundation
import TesseraEval
import TesseraIO

/// `tessera pairs`: a BEIR split's relevance judgments as training lines, one per judged (query, document).
struct PairsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pairs",
        abstract: "Turn a BEIR split's qrels into training JSON lines {\"query\", \"positive\": {\"title\", \"text\"}}."
    )

    @Option(name: .long, help: "BEIR dataset folder.")
    var data: String
    @Option(name: .long, help: "Qrels split (train for training; never test).")
    var split: String = "train"
    @Option(name: .long, help: "Output JSON lines.")
    var out: String
    @Flag(name: .long, help: "Print the summary as one JSON object on stdout.")
    var json = false
    @Option(name: .long, help: "Keep only judgments at least this relevant.")
    var minRelevance: Int = 1

    func run() throws {
        let dataset = try BEIRDataset.load(folder: data, split: split)
        let file = try AtomicFile(destination: URL(fileURLWithPath: out).standardizedFileURL.path)
        var count = 0, queries = 0
        for id in dataset.judgedQueryIDs {
            guard let text = dataset.queries.text(of: id), let judged = dataset.qrels[id] else { continue }
            var any = false
            for (doc, relevance) in judged.sorted(by: { $0.key < $1.key }) where relevance >= minRelevance {
                guard let position = dataset.corpus.position(of: doc) else { continue }
                let line: JSONValue = .object(JSONObject([
                    ("query", .string(text)),
                    ("positive", .object(JSONObject([("title", .string(dataset.corpus.titles[position])),
                                                     ("text", .string(dataset.corpus.texts[position]))]))),
                    ("query_id", .string(id)), ("positive_id", .string(doc)),
                ]))
                var bytes = JSONWriter.encode(line)
                bytes.append(0x0A)
                try file.write(bytes)
                count += 1
                any = true
            }
            if any { queries += 1 }
        }
        guard count > 0 else { throw ValidationError("no judgments of relevance ≥ \(minRelevance) in split \(split)") }
        try file.commit()
        if json {
            printJSON([("pairs", .number(Double(count))), ("queries", .number(Double(queries))), ("out", .string(out))])
        } else {
            printError("wrote \(count) pairs of \(queries) queries to \(out)")
        }
    }
}
