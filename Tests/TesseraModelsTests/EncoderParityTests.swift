import Foundation
import Testing
import TesseraIO
@testable import TesseraModels

/// Parity with sentence-transformers / transformers on the committed fixture made by
/// `Scripts/make_encoder_fixture.py` (texts of 2 to 256 tokens, batches mixing lengths).
@Suite(.serialized) struct EncoderParityTests {
    struct Fixture {
        var texts: [String]
        var tokenCounts: [Int]
        var pooled: NPYArray
        var tokensSub: NPYArray
        var offsets: [Int]
        var full: NPYArray
        var fullIndex: [Int]
    }

    static func fixture() throws -> Fixture {
        func url(_ name: String, _ ext: String) throws -> String {
            guard let u = Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Fixtures") else {
                throw IOError(.missingFile, "fixture \(name).\(ext) missing")
            }
            return u.path
        }
        let reader = try TextRecordReader(path: try url("minilm_texts", "jsonl"))
        var texts: [String] = []
        var counts: [Int] = []
        let lines = try String(contentsOfFile: try url("minilm_texts", "jsonl"), encoding: .utf8).split(separator: "\n")
        while let r = try reader.next() { texts.append(r.text) }
        for line in lines {
            let value = try JSONValue.parse(Array(line.utf8))
            counts.append(value.objectValue?["n_tokens"]?.intValue ?? -1)
        }
        let indexJSON = try JSONValue.parse(try [UInt8](Data(contentsOf: URL(fileURLWithPath: try url("minilm_tokens_full_index", "json")))))
        let fullIndex = indexJSON.objectValue?["texts"]?.arrayValue?.compactMap(\.intValue) ?? []
        return Fixture(
            texts: texts, tokenCounts: counts,
            pooled: try NPYArray(path: try url("minilm_pooled", "npy")),
            tokensSub: try NPYArray(path: try url("minilm_tokens_sub", "npy")),
            offsets: try NPYArray(path: try url("minilm_tokens_offsets", "npy")).ints.map(Int.init),
            full: try NPYArray(path: try url("minilm_tokens_full", "npy")),
            fullIndex: fullIndex
        )
    }

    @Test func pooledVectorsMatchSentenceTransformers() throws {
        let model = try EmbeddingModel(folder: try TestModel.require())
        let f = try Self.fixture()
        #expect(f.texts.count >= 200)
        let inputs = try f.texts.map { try model.tokenize($0) }
        #expect(inputs.map(\.ids.count) == f.tokenCounts, "token counts differ from the reference")
        let vectors = try model.embed(inputs: inputs, options: EmbedOptions(batchSize: 16, threads: 2))
        let d = model.dimension
        var worst: Float = 1
        for i in 0..<f.texts.count {
            var dot: Float = 0, na: Float = 0, nb: Float = 0
            for c in 0..<d {
                let a = vectors[i * d + c], b = f.pooled.floats[i * d + c]
                dot += a * b; na += a * a; nb += b * b
            }
            worst = min(worst, dot / (na.squareRoot() * nb.squareRoot()))
        }
        print("pooled parity: min cosine \(worst) over \(f.texts.count) texts")
        #expect(worst >= 0.99999)
    }

    @Test func tokenStatesMatchTransformers() throws {
        let model = try EmbeddingModel(folder: try TestModel.require())
        let f = try Self.fixture()
        let tokens = try model.embedTokens(f.texts, options: EmbedOptions(batchSize: 16, threads: 2), normalize: false)
        #expect(tokens.offsets == f.offsets)
        let d = model.dimension
        let sub = f.tokensSub.shape[1]
        let stride = d / sub
        var worstSub: Float = 0
        for row in 0..<(tokens.offsets.last ?? 0) {
            for j in 0..<sub {
                worstSub = max(worstSub, abs(tokens.vectors[row * d + j * stride] - f.tokensSub.floats[row * sub + j]))
            }
        }
        var worstFull: Float = 0
        var fullRow = 0
        for text in f.fullIndex {
            for row in tokens.offsets[text]..<tokens.offsets[text + 1] {
                for c in 0..<d { worstFull = max(worstFull, abs(tokens.vectors[row * d + c] - f.full.floats[fullRow * d + c])) }
                fullRow += 1
            }
        }
        #expect(fullRow == f.full.shape[0])
        print("token parity: max |diff| \(worstSub) on every \(stride)th dim of \(tokens.offsets.last ?? 0) tokens; \(worstFull) on all dims of \(fullRow) tokens")
        #expect(worstSub <= 2e-4)
        #expect(worstFull <= 2e-4)
    }

    @Test func batchingAndThreadsChangeNothing() throws {
        let model = try EmbeddingModel(folder: try TestModel.require())
        let f = try Self.fixture()
        let texts = Array(f.texts.prefix(40))
        let together = try model.embed(texts, options: EmbedOptions(batchSize: 40, threads: 1))
        let d = model.dimension
        for (i, text) in texts.enumerated().filter({ $0.offset % 7 == 0 }) {
            let alone = try model.embed([text], options: EmbedOptions(batchSize: 1, threads: 1))
            let diff = (0..<d).map { abs(alone[$0] - together[i * d + $0]) }.max() ?? 0
            #expect(diff < 1e-5, "text \(i) differs by \(diff) alone vs in a batch")
        }
        let threaded = try model.embed(texts, options: EmbedOptions(batchSize: 3, threads: 2))
        let diff = zip(threaded, together).map { abs($0 - $1) }.max() ?? 0
        #expect(diff < 1e-5)
    }

    @Test func matryoshkaKeepsThePrefixAndRenormalises() throws {
        let model = try EmbeddingModel(folder: try TestModel.require())
        let texts = ["a small test", "another sentence about retrieval"]
        let full = try model.embed(texts, options: EmbedOptions(pooling: .mean))
        let short = try model.embed(texts, options: EmbedOptions(dimension: 64))
        for i in 0..<2 {
            let prefix = Array(full[(i * 384)..<(i * 384 + 64)])
            let norm = prefix.map { $0 * $0 }.reduce(0, +).squareRoot()
            for c in 0..<64 { #expect(abs(short[i * 64 + c] - prefix[c] / norm) < 1e-6) }
        }
        expectModelError("dimension 0") { _ = try model.embed(texts, options: EmbedOptions(dimension: 0)) }
        expectModelError("dimension 999") { _ = try model.embed(texts, options: EmbedOptions(dimension: 999)) }
    }

    @Test func emptyAndOversizeTexts() throws {
        let model = try EmbeddingModel(folder: try TestModel.require())
        #expect(try model.tokenize("").ids == [101, 102])
        let long = String(repeating: "retrieval ", count: 2000)
        #expect(try model.tokenize(long).ids.count == 256)
        #expect(try model.tokenize(long, maxLength: 512).ids.count == 512)
        expectModelError("exceeds the model's 512 positions") { _ = try model.tokenize(long, maxLength: 1000) }
        let v = try model.embed(["", long])
        #expect(v.count == 2 * 384 && v.allSatisfy { $0.isFinite })
    }
}
