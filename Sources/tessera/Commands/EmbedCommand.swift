import ArgumentParser
import Foundation
import TesseraIO
import TesseraKernels
import TesseraModels

/// `tessera embed`: JSON lines of text in, a float32 `.npy` of vectors out.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Encode JSON lines of text into a float32 .npy matrix [count, dim], in input order.",
        discussion: """
        Lines carry "text"; BEIR corpus lines with "title" and "text" are encoded as title + " " + text. \
        The input is streamed (bounded memory). With --tokens, every token's L2-normalised last hidden state is \
        written instead: OUT.npy [total tokens, dim] and OUT.offsets.npy (int64 [count + 1]).
        """
    )

    @Option(name: .long, help: "Model folder or cached model name.")
    var model: String
    @Option(name: .long, help: "JSON lines file ('-' for stdin).")
    var input: String
    @Option(name: [.customLong("out"), .customLong("output")], help: "Output .npy path (--output is the old name).")
    var output: String
    @Option(name: .long, help: "Pooling (default: the model folder's).")
    var pooling: PoolingMode?
    @Option(name: .long, help: "Matryoshka dimension: keep the first N values and renormalise.")
    var dim: Int?
    @Option(name: .long, help: "Token budget per text (default: the folder's max_seq_length, else 512).")
    var maxLength: Int?
    @Option(name: .long, help: "Texts per batch.")
    var batchSize: Int = 32
    @Option(name: .long, help: "Worker threads (default: every core).")
    var threads: Int = Parallel.availableCores
    @Flag(name: .long, help: "Write per-token vectors instead of pooled ones.")
    var tokens = false
    @Flag(name: .long, help: "With --tokens: the texts are queries (a PyLate folder with marker tokens or query expansion encodes queries and documents differently; default: documents).")
    var queries = false
    @Flag(name: .long, help: "No progress bar or summary on stderr.")
    var quiet = false
    @Flag(name: .long, help: "Print the summary as one JSON object on stdout.")
    var json = false

    func validate() throws {
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
        if threads < 1 { throw ValidationError("--threads must be at least 1") }
        if !output.hasSuffix(".npy") { throw ValidationError("--out must end in .npy") }
        if queries && !tokens { throw ValidationError("--queries applies to --tokens") }
        if pooling != nil && tokens { throw ValidationError("--pooling does not apply to --tokens (per-token vectors are not pooled)") }
    }

    func run() throws {
        let started = Date()
        let model = try EmbeddingModel(folder: try ModelStore.resolve(self.model))
        let options = EmbedOptions(pooling: pooling, dimension: dim,
                                   maxLength: maxLength, batchSize: batchSize, threads: threads)
        let full = tokens ? model.tokenDimension : model.dimension
        // A PyLate folder's documents leave out its skiplist's tokens (punctuation by default), as PyLate's encode does.
        let skiplist = tokens ? model.documentSkiplist : []
        let width = dim ?? full
        if let dim, dim < 1 || dim > full {
            throw ValidationError("--dim must be between 1 and \(full)")
        }
        let reader = try TextRecordReader(path: input)
        let vectors = try NPYWriter(path: output, columns: width)
        let offsetsPath = String(output.dropLast(4)) + ".offsets.npy"
        let offsets = tokens ? try NPYWriter(path: offsetsPath, dtype: .int64, columns: 0) : nil
        try offsets?.append([0])
        let progress = ProgressBar(label: "embedding", total: countLines(input), enabled: !quiet)
        var done = 0
        var tokenCount = 0
        var rowOffset: Int64 = 0
        // Bounded memory: a chunk holds at most 65,536 tokens of per-token output (100 MB at 384 dims),
        // or 16,384 pooled texts.
        let chunkTexts = tokens ? 4096 : 16_384
        let chunkTokens = tokens ? 65_536 : 4_194_304
        while true {
            var inputs: [EncoderInput] = []
            var chunkTokenCount = 0
            while inputs.count < chunkTexts && chunkTokenCount < chunkTokens, let record = try reader.next() {
                do {
                    inputs.append(tokens ? try model.tokenize(record.encodedText, role: queries ? .query : .document, maxLength: maxLength)
                                  : try model.tokenize(record.encodedText, maxLength: maxLength))
                } catch {
                    throw ModelError(.invalidInput, "\(reader.source):\(record.line): \(error)")
                }
                chunkTokenCount += inputs[inputs.count - 1].ids.count
            }
            if inputs.isEmpty { break }
            if tokens {
                var result = try model.embedTokens(inputs: inputs, options: options, normalize: true)
                if !queries && !skiplist.isEmpty { result = result.removing(skiplist, inputs: inputs) }
                try result.vectors.withUnsafeBufferPointer { try vectors.append($0) }
                var ends: [Int64] = []
                for i in 1..<result.offsets.count { ends.append(rowOffset + Int64(result.offsets[i])) }
                rowOffset += Int64(result.offsets.last ?? 0)
                try offsets?.append(ends)
            } else {
                let result = try model.embed(inputs: inputs, options: options)
                try result.withUnsafeBufferPointer { try vectors.append($0) }
            }
            done += inputs.count
            tokenCount += chunkTokenCount
            progress.update(done: done, tokens: tokenCount)
        }
        try offsets?.finish()
        try vectors.finish()
        progress.finish()
        if json {
            let seconds = Date().timeIntervalSince(started)
            printJSON([("texts", .number(Double(done))), ("tokens", .number(Double(tokenCount))), ("dimension", .number(Double(width))),
                       ("seconds", .number(seconds)), ("out", .string(output))])
        } else if !quiet {
            let seconds = Date().timeIntervalSince(started)
            printError(String(format: "embedded %d texts (%d tokens) in %.2f s: %.0f tokens/s -> %@",
                              done, tokenCount, seconds, Double(tokenCount) / max(seconds, 1e-9), output))
        }
    }
}
