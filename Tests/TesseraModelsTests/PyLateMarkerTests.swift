import Foundation
import Testing
import TesseraIO
import TesseraKernels
import TesseraTestSupport
@testable import TesseraModels

/// ColBERT's marker tokens, query expansion and the document skiplist, as PyLate encodes them
/// (Fixtures/pylate_markers.json, Scripts/make_pylate_markers_fixture.py).
@Suite struct PyLateMarkerTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/pylate_markers.json").path

    /// Tokens whose keys are masked out see only the first tokens: their real tokens' states are those of the real tokens
    /// encoded alone (the positions are the same), whichever attention path runs.
    @Test func maskedKeysLeaveTheRealTokensAsIfAlone() throws {
        let model = try EmbeddingModel(folder: TinyModel.make())
        let real = try model.tokenize("the sun makes light")
        var padded = real
        let mask = try #require(model.tokenizer.tokenId(for: "[MASK]"))
        padded.ids += [Int32](repeating: mask, count: 5)
        padded.typeIds += [Int32](repeating: 0, count: 5)
        padded.attendedLength = real.ids.count
        let width = model.encoder.config.hiddenSize
        func states(_ input: EncoderInput) throws -> [Float] {
            let box = UncheckedSendableBox([Float]())
            try model.run([input], options: EmbedOptions(threads: 1)) { _, s, rows in box.value = Array(UnsafeBufferPointer(start: s, count: rows * width)) }
            return box.value
        }
        let alone = try states(real), masked = try states(padded)
        #expect(masked.count == (real.ids.count + 5) * width)
        for i in 0..<alone.count { #expect(abs(alone[i] - masked[i]) < 1e-4, "value \(i)") }
        // Attending to the padding changes the real tokens.
        padded.attendedLength = nil
        let attended = try states(padded)
        #expect(zip(alone, attended).contains { abs($0 - $1) > 1e-3 })
        padded.attendedLength = 0
        #expect(throws: ModelError.self) { try model.encoder.validate(padded) }
    }

    /// The folder PyLate saved for each case (MiniLM + its files + the formula projection), rebuilt here.
    static func folder(_ files: [String: String], outputs: Int) throws -> String {
        let source = try #require(TestModelLocator.folder, Comment(rawValue: TestModelLocator.missingMessage))
        let dir = TestFolder.path("tessera-pylate")
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/1_Dense", withIntermediateDirectories: true)
        for name in ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json"]
        where fm.fileExists(atPath: source + "/" + name) {
            try fm.copyItem(atPath: source + "/" + name, toPath: dir + "/" + name)
        }
        for (name, text) in files { try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
        let inputs = 384
        let w = (0..<(outputs * inputs)).map { k -> Float in
            let o = Double(k / inputs), i = Double(k % inputs)
            return Float(Foundation.sin(0.7 * o + 1.3 * i + 0.1) / Double(inputs).squareRoot())
        }
        try w.withUnsafeBufferPointer {
            try SafeTensorsWriter.write([.init(name: "linear.weight", shape: [outputs, inputs], values: $0)], to: dir + "/1_Dense/model.safetensors")
        }
        return dir
    }

    @Test(arguments: ["expansion", "expansion_attended", "no_expansion_custom_skiplist"])
    func tokenVectorsMatchPyLate(_ name: String) throws {
        let json = try JSONValue.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: Self.fixture)))).objectValue
        let texts = (json?["texts"]?.arrayValue ?? []).compactMap(\.stringValue)
        let c = try #require(json?["cases"]?.objectValue?[name]?.objectValue)
        var files: [String: String] = [:]
        for (key, value) in c["files"]?.objectValue?.entries ?? [] { files[key] = value.stringValue }
        let outputs = try #require(JSONValue.parse(Array((files["1_Dense/config.json"] ?? "").utf8)).objectValue?["out_features"]?.intValue)
        let model = try EmbeddingModel(folder: try Self.folder(files, outputs: outputs))
        #expect(model.markers.isActive)
        for (role, key) in [(TokenRole.query, "queries"), (.document, "documents")] {
            let theirs = try #require(c[key]?.objectValue)
            let ids = (theirs["input_ids"]?.arrayValue ?? []).map { ($0.arrayValue ?? []).compactMap(\.intValue) }
            let masks = (theirs["attention_mask"]?.arrayValue ?? []).map { ($0.arrayValue ?? []).compactMap(\.intValue) }
            let vectors = (theirs["vectors"]?.arrayValue ?? []).map { ($0.arrayValue ?? []).map { ($0.arrayValue ?? []).compactMap(\.doubleValue) } }
            #expect(ids.count == texts.count && vectors.count == texts.count)
            for (i, text) in texts.enumerated() {
                // Tokenization: PyLate's ids (documents: up to its padding), and its attention mask as the attended length.
                let input = try model.tokenize(text, role: role)
                let real = masks[i].firstIndex(of: 0) ?? masks[i].count
                // (PyLate pads a batch to its longest text; only expanded queries keep the padding.)
                let wanted = role == .query && model.markers.queryExpansion ? ids[i] : Array(ids[i].prefix(real))
                #expect(input.ids.map(Int.init) == wanted, "\(name) \(key) \(i)")
                if role == .query && model.markers.queryExpansion { #expect((input.attendedLength ?? input.ids.count) == real, "\(name) query \(i) mask") }
            }
            // Vectors: every query token; documents without their skiplist tokens.
            var ours = try model.embedTokens(texts, options: EmbedOptions(threads: 1), role: role)
            if role == .document {
                ours = ours.removing(model.documentSkiplist, inputs: try texts.map { try model.tokenize($0, role: .document) })
            }
            for (i, tokens) in vectors.enumerated() {
                #expect(tokens.count == ours.offsets[i + 1] - ours.offsets[i], "\(name) \(key) \(i): \(tokens.count) tokens")
                for (t, vector) in tokens.enumerated() where t < ours.offsets[i + 1] - ours.offsets[i] {
                    let row = (ours.offsets[i] + t) * outputs
                    let dot = (0..<outputs).reduce(0.0) { $0 + Double(ours.vectors[row + $1]) * vector[$1] }
                    #expect(dot >= 0.99999, "\(name) \(key) text \(i) token \(t): cosine \(dot)")
                }
            }
        }
    }
}
