import ArgumentParser
import Foundation
import TesseraIO
import TesseraModels
import TesseraTokenizers

/// `tessera tokenize`: JSON lines of text in, JSON lines of token ids out.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Tokenize JSON lines {\"text\": ...} from stdin into {\"input_ids\": [...]} lines on stdout.",
        discussion: "Special tokens are included, nothing is padded, and texts are truncated only when --max-length is given."
    )

    @Option(name: .long, help: "Model folder or cached model name (its tokenizer.json is used).")
    var model: String

    @Option(name: .long, help: "Truncate to this many tokens, special tokens included.")
    var maxLength: Int?

    @Option(name: .long, help: "Read from this file instead of stdin.")
    var input: String = "-"

    func run() throws {
        let folder = try ModelStore.resolve(model)
        let tokenizer = try Tokenizer(contentsOf: URL(fileURLWithPath: folder + "/tokenizer.json"))
        if let maxLength, maxLength < tokenizer.numSpecialTokensToAdd.single {
            throw ValidationError("--max-length must be at least \(tokenizer.numSpecialTokensToAdd.single)")
        }
        let truncation = maxLength.map { Truncation(maxLength: $0, strategy: .longestFirst, stride: 0) }
        let reader = try TextRecordReader(path: input)
        var out: [UInt8] = []
        out.reserveCapacity(1 << 16)
        while let record = try reader.next() {
            let encoding = try tokenizer.encode(record.text, truncation: truncation)
            out.append(contentsOf: Array("{\"input_ids\": [".utf8))
            for (i, id) in encoding.ids.enumerated() {
                if i > 0 { out.append(contentsOf: [0x2C, 0x20]) }
                out.append(contentsOf: Array(String(id).utf8))
            }
            out.append(contentsOf: Array("]}\n".utf8))
            if out.count > 1 << 15 {
                FileHandle.standardOutput.write(Data(out))
                out.removeAll(keepingCapacity: true)
            }
        }
        FileHandle.standardOutput.write(Data(out))
    }
}
