import ArgumentParser
import Foundation
import TesseraIO
import TesseraKernels
import TesseraModels
import TesseraSearch
import TesseraTraining

/// `tessera mine`: add hard negatives to training lines by dense retrieval over a corpus (``HardNegativeMiner``), with
/// the options of sentence-transformers' `mine_hard_negatives` that matter.
struct MineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mine",
        abstract: "Mine hard negatives for training lines from a corpus with a dense model.",
        discussion: """
        For each line, the corpus documents are ranked by cosine to the query; ranks --range-min ..< --range-max are \
        candidates. A candidate is dropped if it is a positive of any line with the same query (matched by \
        positive_id when lines have one, else by text), or scores above positive − --margin, or above \
        positive × (1 − --relative-margin). --num-negatives of the rest are kept: the best ones (--sampling top) \
        or a seeded random choice (--sampling random).
        """
    )

    @Option(name: .long, help: "Model folder or cached model name.")
    var model: String
    @Option(name: .long, help: "Training JSON lines (query, positive[, positive_id]).")
    var data: String
    @Option(name: .long, help: "Corpus JSON lines (_id, title, text).")
    var corpus: String
    @Option(name: .long, help: "Output JSON lines (each input line with \"negatives\").")
    var out: String
    @Flag(name: .long, help: "Print the summary as one JSON object on stdout.")
    var json = false
    @Option(name: .long, help: "Hard negatives per line.")
    var numNegatives: Int = 1
    @Option(name: .long, help: "Skip the best-ranked candidates before this rank.")
    var rangeMin: Int = 0
    @Option(name: .long, help: "Consider candidates up to this rank.")
    var rangeMax: Int = 50
    @Option(name: .long, help: "Absolute margin: a negative must score at most positive − margin.")
    var margin: Double?
    @Option(name: .long, help: "Relative margin: a negative must score at most positive × (1 − margin).")
    var relativeMargin: Double?
    @Option(name: .long, help: "top or random.")
    var sampling: String = "top"
    @Option(name: .long, help: "Seed of random sampling.")
    var seed: UInt64 = 42
    @Option(name: .long, help: "Document token budget.")
    var maxLength: Int?
    @Option(name: .long, help: "Worker threads.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        if numNegatives < 1 { throw ValidationError("--num-negatives must be at least 1") }
        if rangeMin < 0 || rangeMax <= rangeMin { throw ValidationError("--range-max must be greater than --range-min ≥ 0") }
        if NegativeSelection.Sampling(rawValue: sampling) == nil { throw ValidationError("--sampling must be top or random") }
    }

    func run() throws {
        let model = try EmbeddingModel(folder: try ModelStore.resolve(model))
        // The corpus.
        let reader = try TextRecordReader(path: corpus)
        var ids: [String] = [], texts: [String] = []
        while let record = try reader.next() {
            ids.append(record.id ?? String(ids.count))
            texts.append(record.encodedText)
        }
        guard !texts.isEmpty else { throw ValidationError("\(corpus) holds no documents") }
        var byID: [String: Int] = [:], byText: [String: Int] = [:]
        for (i, id) in ids.enumerated() { byID[id] = i }
        for (i, t) in texts.enumerated() where byText[t] == nil { byText[t] = i }
        // The lines, kept whole so every field they carry is written back.
        let lines = try LineReader(path: data)
        var objects: [JSONObject] = [], examples: [TrainingExample] = []
        while let bytes = try lines.next() {
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            examples.append(try TrainingData.parse(bytes, line: lines.lineNumber, source: data))
            objects.append(try JSONValue.parse(bytes).objectValue ?? JSONObject())
        }
        guard !examples.isEmpty else { throw ValidationError("\(data) holds no training lines") }
        // Known positives per query text.
        var known: [String: Set<Int>] = [:]
        for (example, object) in zip(examples, objects) {
            let position = object["positive_id"]?.stringValue.flatMap { byID[$0] } ?? byText[InputFormat.plain.document(example.positive)]
            if let position { known[example.query, default: []].insert(position) }
        }
        printError("encoding \(texts.count) documents and \(examples.count) queries")
        let miner = try HardNegativeMiner(model: model, documents: texts, options: EmbedOptions(maxLength: maxLength, threads: threads))
        let selection = NegativeSelection(count: numNegatives, ranks: rangeMin..<rangeMax, margin: margin, relativeMargin: relativeMargin,
                                          sampling: NegativeSelection.Sampling(rawValue: sampling) ?? .top, seed: seed)
        let negatives = try miner.mine(queries: examples.map(\.query), positives: examples.map { InputFormat.plain.document($0.positive) },
                                       excluded: examples.map { known[$0.query] ?? [] }, selection: selection)
        let file = try AtomicFile(destination: URL(fileURLWithPath: out).standardizedFileURL.path)
        var short = 0, total = 0
        for (i, chosen) in negatives.enumerated() {
            if chosen.count < numNegatives { short += 1 }
            total += chosen.count
            var object = objects[i]
            object.entries.removeAll { $0.key == "negatives" || $0.key == "negative_ids" }
            object.entries.append(("negatives", .array(chosen.map { .string(texts[$0]) })))
            object.entries.append(("negative_ids", .array(chosen.map { .string(ids[$0]) })))
            var bytes = JSONWriter.encode(.object(object))
            bytes.append(0x0A)
            try file.write(bytes)
        }
        try file.commit()
        if json {
            printJSON([("negatives", .number(Double(total))), ("lines", .number(Double(examples.count))), ("short_lines", .number(Double(short))),
                       ("out", .string(out))])
        } else {
            printError("mined \(total) negatives for \(examples.count) lines into \(out)" + (short > 0 ? "; \(short) lines got fewer than \(numNegatives)" : ""))
        }
    }
}
