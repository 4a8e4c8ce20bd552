import ArgumentParser
import Foundation
import TesseraIO
import TesseraKernels
import TesseraModels

/// `tessera nearest`: embed a small corpus and a query, print the closest texts.
struct NearestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nearest",
        abstract: "Embed a JSON lines corpus and print its texts nearest to a query (exact cosine, in memory)."
    )

    @Option(name: .long, help: "Model folder or cached model name.")
    var model: String
    @Option(name: .long, help: "JSON lines corpus ({\"text\"} or BEIR {\"_id\", \"title\", \"text\"}).")
    var corpus: String
    @Option(name: .long, help: "The query text.")
    var query: String
    @Option(name: .long, help: "How many neighbours to print.")
    var topK: Int = 5
    @Option(name: .long, help: "Matryoshka dimension.")
    var dim: Int?
    @Flag(name: .long, help: "Print one JSON line per neighbour ({\"rank\", \"id\", \"score\", \"text\"}) instead of the listing.")
    var json = false

    func validate() throws { if topK < 1 { throw ValidationError("--top-k must be at least 1") } }

    func run() throws {
        let model = try EmbeddingModel(folder: try ModelStore.resolve(self.model))
        let reader = try TextRecordReader(path: corpus)
        var records: [TextRecord] = []
        while let r = try reader.next() { records.append(r) }
        guard !records.isEmpty else { throw ValidationError("the corpus \(corpus) is empty") }
        let options = EmbedOptions(dimension: dim)
        let start = Date()
        let docs = try model.embed(records.map(\.encodedText), options: options)
        let q = try model.embed([query], options: options)
        let width = docs.count / records.count
        var scored: [(Float, Int)] = []
        docs.withUnsafeBufferPointer { d in
            q.withUnsafeBufferPointer { qv in
                for i in 0..<records.count {
                    scored.append((VectorKernels.dot(d.baseAddress! + i * width, qv.baseAddress!, count: width), i))
                }
            }
        }
        scored.sort { $0.0 != $1.0 ? $0.0 > $1.0 : $0.1 < $1.1 }
        if json {
            for (rank, (score, i)) in scored.prefix(topK).enumerated() {
                let r = records[i]
                printJSON([("rank", .number(Double(rank + 1))), ("id", r.id.map(JSONValue.string) ?? .null),
                           ("score", .number(Double(score))), ("text", .string(r.encodedText))])
            }
            printError(String(format: "embedded %d texts in %.2f s", records.count + 1, Date().timeIntervalSince(start)))
            return
        }
        print("query: \(query)")
        for (rank, (score, i)) in scored.prefix(topK).enumerated() {
            let r = records[i]
            let label = r.id.map { "[\($0)] " } ?? ""
            let text = r.encodedText
            let shown = text.count > 100 ? String(text.prefix(100)) + "…" : text
            print(String(format: "%2d. %.4f  ", rank + 1, score) + label + shown)
        }
        printError(String(format: "embedded %d texts in %.2f s", records.count + 1, Date().timeIntervalSince(start)))
    }
}
