import Foundation
import Testing
import TesseraIO
import TesseraKernels
import TesseraModels
import TesseraTestSupport
@testable import TesseraTraining

/// A model trained with a multi-vector loss gets a token head, written in PyLate's layout, that every token path of
/// Tessera then uses.
@Suite struct MultiVectorFolderTests {
    static func configuration(_ loss: String) -> TrainingConfiguration {
        var c = TrainingConfiguration(loss: loss)
        c.batchSize = 8
        c.epochs = 2
        c.learningRate = 1e-3
        c.dropout = 0.1
        c.kTrain = 16
        c.tokenDimension = 12
        c.queryMaxLength = 16
        c.maxLength = 24
        return c
    }

    static func train(_ c: TrainingConfiguration, out: String, resume: Bool = false) throws -> TrainingSummary {
        try TrainingRun(model: TrainingCase.tinyModel(), data: TrainedFolderTests.fixtures + "/tiny_train.jsonl", output: out,
                        configuration: c, threads: 2).run(resume: resume)
    }

    @Test(arguments: ["xtr", "colbert"]) func theTrainedFolderHasAPyLateTokenHeadThatTokenVectorsUse(_ loss: String) throws {
        let out = TestFolder.path("tessera-mv")
        let summary = try Self.train(Self.configuration(loss), out: out)
        #expect(summary.steps == 6)
        #expect(summary.losses.last! < summary.losses.first!, "\(summary.losses)")
        let fm = FileManager.default
        for file in ["1_Dense/config.json", "1_Dense/model.safetensors", "checkpoint-3/1_Dense/model.safetensors", "modules.json",
                     "config_sentence_transformers.json"] {
            #expect(fm.fileExists(atPath: out + "/" + file), "\(file) missing")
        }
        // PyLate's layout: Transformer then Dense, no pooling; no markers, no expansion, the run's budgets.
        #expect(!fm.fileExists(atPath: out + "/1_Pooling") && !fm.fileExists(atPath: out + "/2_Normalize"))
        let modules = try JSONValue.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: out + "/modules.json"))))
        #expect(modules.arrayValue?.compactMap { $0.objectValue?["type"]?.stringValue } ==
                ["sentence_transformers.models.Transformer", "pylate.models.Dense.Dense"])
        let settings = try JSONValue.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: out + "/config_sentence_transformers.json"))))
        #expect(settings.objectValue?["query_prefix"]?.stringValue == "" && settings.objectValue?["do_query_expansion"]?.boolValue == false)
        #expect(settings.objectValue?["query_length"]?.intValue == 16 && settings.objectValue?["document_length"]?.intValue == 24)
        let head = try DenseHead(folder: out, path: "1_Dense")
        #expect(head.bias == nil && head.activation == .identity && head.weight.shape == [12, 32])

        // Tessera's token vectors: normalise(W · last hidden state) for every token.
        let model = try EmbeddingModel(folder: out)
        #expect(model.tokenHeads.count == 1 && model.tokenDimension == 12 && !model.markers.isActive)
        #expect(model.markers.queryLength == 16 && model.markers.documentLength == 24)
        let texts = ["the sun makes light", "water is cold"]
        let vectors = try model.embedTokens(texts, options: EmbedOptions(threads: 1))
        #expect(vectors.dimension == 12)
        let plain = try EmbeddingModel(folder: TrainingCase.tinyModel())
        let inputs = try texts.map { try model.tokenize($0) }
        var states: [[Float]] = Array(repeating: [], count: texts.count)
        let box = UncheckedSendableBox(states)
        try model.run(inputs, options: EmbedOptions(threads: 1)) { i, s, rows in box.value[i] = Array(UnsafeBufferPointer(start: s, count: rows * 32)) }
        states = box.value
        for (i, input) in inputs.enumerated() {
            for t in 0..<input.ids.count {
                var y = [Double](repeating: 0, count: 12)
                for o in 0..<12 { for c in 0..<32 { y[o] += Double(head.weight.pointer[o * 32 + c]) * Double(states[i][t * 32 + c]) } }
                let norm = y.reduce(0) { $0 + $1 * $1 }.squareRoot()
                for o in 0..<12 {
                    let got = vectors.vectors[(vectors.offsets[i] + t) * 12 + o]
                    #expect(abs(Double(got) - y[o] / norm) < 1e-5, "text \(i) token \(t) of \(input.ids.count) value \(o)")
                }
            }
        }
        // Texts encoded together or apart, on one thread or two: the same vectors.
        let apart = try model.embedTokens(texts, options: EmbedOptions(threads: 2))
        #expect(zip(apart.vectors, vectors.vectors).allSatisfy { abs($0 - $1) < 1e-5 })
        // The encoder changed and the fingerprint tells the two models apart.
        #expect(try model.identity() != plain.identity())

        // Resume from the first epoch's checkpoint: the same bits, head included.
        let resumed = TestFolder.path("tessera-mv")
        _ = try Self.train(Self.configuration(loss), out: resumed)
        try fm.removeItem(atPath: resumed + "/checkpoint-6")
        try fm.removeItem(atPath: resumed + "/1_Dense/model.safetensors")
        let second = try Self.train(Self.configuration(loss), out: resumed, resume: true)
        #expect(second.stepsRun == 3)
        for file in ["model.safetensors", "1_Dense/model.safetensors"] {
            #expect(try Data(contentsOf: URL(fileURLWithPath: resumed + "/" + file)) == Data(contentsOf: URL(fileURLWithPath: out + "/" + file)), "\(file)")
        }
        // Training the trained folder again keeps its head (no second projection) and its layout.
        var again = Self.configuration(loss)
        again.tokenDimension = nil
        let third = TestFolder.path("tessera-mv")
        _ = try TrainingRun(model: out, data: TrainedFolderTests.fixtures + "/tiny_train.jsonl", output: third, configuration: again,
                            threads: 2).run()
        #expect(try EmbeddingModel(folder: third).tokenHeads.count == 1)
        var wrong = again
        wrong.tokenDimension = 8
        #expect(throws: TrainingError.self) {
            try TrainingRun(model: out, data: TrainedFolderTests.fixtures + "/tiny_train.jsonl", output: third + "-x",
                            configuration: wrong, threads: 2)
        }
    }

    /// Fixtures/pylate_load_vectors.json (Scripts/make_pylate_load_fixture.py): PyLate loads the folder `tessera train
    /// --loss xtr` writes with the settings of ``configuration(_:)`` and encodes these token vectors.
    @Test func pyLateEncodesTheTrainedFolderAsTesseraDoes() throws {
        let out = TestFolder.path("tessera-mv-pylate")
        _ = try Self.train(Self.configuration("xtr"), out: out)
        let json = try JSONValue.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: TrainedFolderTests.fixtures + "/pylate_load_vectors.json"))))
        let texts = (json.objectValue?["texts"]?.arrayValue ?? []).compactMap(\.stringValue)
        #expect(texts.count == 4)
        let model = try EmbeddingModel(folder: out)
        let ours = try model.embedTokens(texts)
        for role in ["queries", "documents"] {
            let theirs = (json.objectValue?[role]?.arrayValue ?? []).map { ($0.arrayValue ?? []).map { ($0.arrayValue ?? []).compactMap(\.doubleValue) } }
            #expect(theirs.count == texts.count)
            for (i, tokens) in theirs.enumerated() {
                #expect(tokens.count == ours.offsets[i + 1] - ours.offsets[i], "\(role) \(i): \(tokens.count) tokens")
                for (t, vector) in tokens.enumerated() where t < ours.offsets[i + 1] - ours.offsets[i] {
                    let row = (ours.offsets[i] + t) * 12
                    let mine = (0..<12).map { Double(ours.vectors[row + $0]) }
                    let dot = zip(mine, vector).reduce(0) { $0 + $1.0 * $1.1 }
                    #expect(dot >= 0.99999, "\(role) text \(i) token \(t): cosine \(dot)")
                }
            }
        }
    }

    /// `--loss aligner`: the folder gets salience heads (2_Salience) that token vectors report, saliences as the heads
    /// compute them from the encoder's states; resume restores them bit for bit.
    @Test func anAlignerRunWritesSalienceHeadsThatTokenVectorsReport() throws {
        var c = Self.configuration("aligner")
        c.kTrain = nil
        c.alphaDocument = 0.5
        c.epsilon = 0.05
        let out = TestFolder.path("tessera-aligner")
        let summary = try Self.train(c, out: out)
        #expect(summary.losses.allSatisfy { $0.isFinite })
        let model = try EmbeddingModel(folder: out)
        let heads = try #require(model.salienceHeads)
        #expect(heads.alphaQuery == 0.5 && heads.alphaDocument == 0.5 && heads.gate.epsilon == 0.05 && heads.gate.iterations == 20)
        #expect(heads.documentBias != 1 || heads.queryBias != 1, "the heads were not trained")
        let texts = ["the sun makes light", "water is cold and clear"]
        let inputs = try texts.map { try model.tokenize($0) }
        for role in [TokenRole.query, .document] {
            let vectors = try model.embedTokens(inputs: inputs, options: EmbedOptions(threads: 2), saliences: role)
            let u = try #require(vectors.saliences)
            #expect(u.count == vectors.offsets.last!)
            let box = UncheckedSendableBox([[Float]](repeating: [], count: texts.count))
            try model.run(inputs, options: EmbedOptions(threads: 1)) { i, s, rows in box.value[i] = heads.saliences(s, rows: rows, isQuery: role == .query) }
            // (Batched on two threads or one at a time: the same up to float rounding of the packed GEMM.)
            let alone = box.value.flatMap { $0 }
            #expect(alone.count == u.count && zip(alone, u).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) })
            #expect(u.allSatisfy { $0 >= 0 } && u.contains { $0 > 0 })
        }
        #expect(try model.embedTokens(inputs: inputs).saliences == nil)
        // The fingerprint covers the heads.
        let other = TestFolder.path("tessera-aligner")
        try FileManager.default.copyItem(atPath: out, toPath: other)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: other + "/2_Salience/model.safetensors")))
        bytes[bytes.count - 1] ^= 0x40
        try Data(bytes).write(to: URL(fileURLWithPath: other + "/2_Salience/model.safetensors"))
        #expect(try ModelFingerprint.compute(folder: other) != ModelFingerprint.compute(folder: out))

        // Resume from the first epoch's checkpoint: the same bits, salience heads included.
        let resumed = TestFolder.path("tessera-aligner")
        _ = try Self.train(c, out: resumed)
        try FileManager.default.removeItem(atPath: resumed + "/checkpoint-6")
        let second = try Self.train(c, out: resumed, resume: true)
        #expect(second.stepsRun == 3)
        for file in ["model.safetensors", "1_Dense/model.safetensors", "2_Salience/model.safetensors", "2_Salience/config.json"] {
            #expect(try Data(contentsOf: URL(fileURLWithPath: resumed + "/" + file)) == Data(contentsOf: URL(fileURLWithPath: out + "/" + file)), "\(file)")
        }
        // Training the AligneR folder again keeps its heads and their settings.
        var again = TrainingConfiguration(loss: "aligner")
        again.batchSize = 8
        again.steps = 1
        let third = TestFolder.path("tessera-aligner")
        _ = try TrainingRun(model: out, data: TrainedFolderTests.fixtures + "/tiny_train.jsonl", output: third, configuration: again, threads: 2).run()
        #expect(try EmbeddingModel(folder: third).salienceHeads?.alphaDocument == 0.5)
        var bad = c
        bad.alphaQuery = 1.5
        #expect(throws: TrainingError.self) { try bad.validate() }
    }

    /// `--freeze-layers 1`: the embeddings and layer 0 come out as they went in, layer 1 and the token head are trained, the
    /// optimiser keeps no moments of the frozen tensors, and a count that leaves nothing to train is refused.
    @Test func frozenLowerLayersStayAsTheyWereAndTheRestTrains() throws {
        var c = Self.configuration("xtr")
        c.freezeLayers = 1
        let out = TestFolder.path("tessera-frozen-layers")
        let summary = try Self.train(c, out: out)
        #expect(summary.losses.allSatisfy { $0.isFinite })
        let source = try SafeTensorsFile(path: TrainingCase.tinyModel() + "/model.safetensors")
        let trained = try SafeTensorsFile(path: out + "/model.safetensors")
        var kept = 0, moved = 0
        for name in source.tensors.keys.sorted() {
            let canonical = name.hasPrefix("bert.") ? String(name.dropFirst(5)) : name
            guard trained.tensors[canonical] != nil, let before = try? source.floats(name) else { continue }
            let after = try trained.floats(canonical)
            let same = Array(UnsafeBufferPointer(start: after.pointer, count: after.count)) ==
                Array(UnsafeBufferPointer(start: before.pointer, count: before.count))
            if canonical.hasPrefix("embeddings.") || canonical.hasPrefix("encoder.layer.0.") {
                #expect(same, "\(canonical) changed")
                kept += 1
            } else if canonical.hasPrefix("encoder.layer.1.") && canonical.hasSuffix(".weight") && !canonical.contains("LayerNorm") {
                #expect(!same, "\(canonical) was not trained")
                moved += 1
            }
        }
        #expect(kept >= 20 && moved >= 6, "\(kept) kept, \(moved) moved")
        let optimizer = try SafeTensorsFile(path: out + "/checkpoint-6/optimizer.safetensors")
        #expect(!optimizer.tensors.keys.contains { $0.contains("embeddings.") || $0.contains("encoder.layer.0.") }, "moments of frozen tensors saved")
        #expect(optimizer.tensors.keys.contains { $0.contains("encoder.layer.1.") })

        var all = c
        all.freezeLayers = 2
        expectTrainingError("--freeze-encoder") { _ = try Self.train(all, out: TestFolder.path("tessera-frozen-layers")) }
        var both = c
        both.freezeEncoder = true
        #expect(throws: TrainingError.self) { try both.validate() }
        var none = c
        none.freezeLayers = 0
        #expect(throws: TrainingError.self) { try none.validate() }
    }

    /// `--freeze-encoder`: the encoder's weights come out as they went in, the heads are trained, and a resumed run gives
    /// the same bits (the optimiser's moments cover the heads only).
    @Test func aFrozenEncoderRunTrainsTheHeadsOnlyAndResumes() throws {
        var c = Self.configuration("aligner")
        c.kTrain = nil
        c.epsilon = 0.05
        c.freezeEncoder = true
        let out = TestFolder.path("tessera-frozen")
        let summary = try Self.train(c, out: out)
        #expect(summary.losses.allSatisfy { $0.isFinite } && summary.losses.last! < summary.losses.first!, "\(summary.losses)")
        let source = try SafeTensorsFile(path: TrainingCase.tinyModel() + "/model.safetensors")
        let trained = try SafeTensorsFile(path: out + "/model.safetensors")
        var compared = 0
        for name in source.tensors.keys.sorted() {
            let canonical = name.hasPrefix("bert.") ? String(name.dropFirst(5)) : name
            guard trained.tensors[canonical] != nil, let before = try? source.floats(name) else { continue }
            let after = try trained.floats(canonical)
            #expect(Array(UnsafeBufferPointer(start: after.pointer, count: after.count)) ==
                    Array(UnsafeBufferPointer(start: before.pointer, count: before.count)), "\(canonical) changed")
            compared += 1
        }
        #expect(compared >= 10)
        let model = try EmbeddingModel(folder: out)
        let heads = try #require(model.salienceHeads)
        #expect(heads.documentBias != 1 || heads.queryBias != 1, "the salience heads were not trained")
        let optimizer = try SafeTensorsFile(path: out + "/checkpoint-6/optimizer.safetensors")
        #expect(!optimizer.tensors.isEmpty && optimizer.tensors.keys.allSatisfy { $0.contains("/") }, "moments of encoder parameters saved")

        let resumed = TestFolder.path("tessera-frozen")
        _ = try Self.train(c, out: resumed)
        try FileManager.default.removeItem(atPath: resumed + "/checkpoint-6")
        #expect(try Self.train(c, out: resumed, resume: true).stepsRun == 3)
        for file in ["model.safetensors", "1_Dense/model.safetensors", "2_Salience/model.safetensors"] {
            #expect(try Data(contentsOf: URL(fileURLWithPath: resumed + "/" + file)) == Data(contentsOf: URL(fileURLWithPath: out + "/" + file)), "\(file)")
        }
        // Resuming without the flag is another configuration.
        var unfrozen = c
        unfrozen.freezeEncoder = nil
        expectTrainingError("configuration") { _ = try Self.train(unfrozen, out: resumed, resume: true) }
        // A pooled model without a Dense module has nothing to train.
        var pooled = TrainingConfiguration(loss: "mnrl")
        pooled.freezeEncoder = true
        pooled.batchSize = 4
        expectTrainingError("no head to train") {
            _ = try TrainingRun(model: TrainingCase.tinyModel(), data: TrainedFolderTests.fixtures + "/tiny_train.jsonl",
                                output: TestFolder.path("tessera-frozen"), configuration: pooled, threads: 1)
        }
    }

    /// `--salience-init idf`: new salience heads fitted to each token's IDF over the training documents, so the start ranks
    /// document tokens as the IDF proxy does; with `--freeze-encoder --freeze-token-head` training then moves the salience
    /// heads alone.
    @Test func anIdfStartRanksTokensByIdfAndSalienceOnlyTrainingKeepsEverythingElse() throws {
        var c = Self.configuration("aligner")
        c.kTrain = nil
        c.epsilon = 0.05
        c.salienceInit = "idf"
        c.freezeEncoder = true
        c.freezeTokenHead = true
        var start = c
        start.learningRate = 0
        start.steps = 1
        let initial = TestFolder.path("tessera-idf")
        _ = try Self.train(start, out: initial)
        // The start: document-head scores against the IDF they were fitted to, on the training documents.
        let model = try EmbeddingModel(folder: initial)
        let heads = try #require(model.salienceHeads)
        var texts: [String] = [], seen = Set<String>()
        for line in try String(contentsOfFile: TrainedFolderTests.fixtures + "/tiny_train.jsonl", encoding: .utf8).split(separator: "\n") {
            let example = try #require(try JSONValue.parse(Array(line.utf8)).objectValue)
            for value in [example["positive"]] + (example["negatives"]?.arrayValue ?? []).map(Optional.some) {
                if let text = value?.stringValue, seen.insert(text).inserted { texts.append(text) }
            }
        }
        let inputs = try texts.map { try model.tokenize($0, maxLength: c.maxLength) }
        let idf = InverseDocumentFrequency.table(documents: inputs.map(\.ids), vocabularySize: model.encoder.config.vocabSize)
        let pairs = LockedPairs()
        try model.run(inputs, options: EmbedOptions(batchSize: 8, threads: 1)) { index, x, rows in
            let w = heads.documentWeight, hidden = heads.inputs
            let scored = (0..<rows).map { r -> (score: Double, idf: Double) in
                var s = Double(heads.documentBias)
                for j in 0..<hidden { s += Double(w[j]) * Double(x[r * hidden + j]) }
                return (s, idf[Int(inputs[index].ids[r])])
            }
            pairs.append(scored)
        }
        let all = pairs.all
        #expect(all.count > heads.inputs)
        let correlation = Self.pearson(all.map(\.score), all.map(\.idf))
        #expect(correlation > 0.8, "the IDF fit correlates \(correlation) with IDF")

        // Salience-only training: the encoder and the token head come out as they started, the salience heads do not.
        let out = TestFolder.path("tessera-idf")
        let summary = try Self.train(c, out: out)
        #expect(summary.losses.allSatisfy { $0.isFinite })
        for file in ["model.safetensors", "1_Dense/model.safetensors"] {
            #expect(try Data(contentsOf: URL(fileURLWithPath: out + "/" + file)) == Data(contentsOf: URL(fileURLWithPath: initial + "/" + file)), "\(file) changed")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: out + "/2_Salience/model.safetensors"))
                != Data(contentsOf: URL(fileURLWithPath: initial + "/2_Salience/model.safetensors")), "the salience heads were not trained")
        let optimizer = try SafeTensorsFile(path: out + "/checkpoint-6/optimizer.safetensors")
        #expect(optimizer.tensors.keys.allSatisfy { $0.contains("2_Salience/") }, "\(optimizer.tensors.keys.sorted())")

        // Refused: an IDF start for heads the model has, or for a loss without them; a run with nothing left to train.
        expectTrainingError("has salience heads already") {
            _ = try TrainingRun(model: out, data: TrainedFolderTests.fixtures + "/tiny_train.jsonl", output: TestFolder.path("tessera-idf"),
                                configuration: c, threads: 1)
        }
        var xtr = Self.configuration("xtr")
        xtr.salienceInit = "idf"
        expectTrainingError("--salience-init applies to --loss aligner") { try xtr.validate() }
        xtr.salienceInit = nil
        xtr.freezeEncoder = true
        xtr.freezeTokenHead = true
        expectTrainingError("nothing to train") { _ = try Self.train(xtr, out: TestFolder.path("tessera-idf")) }
    }

    final class LockedPairs: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [(score: Double, idf: Double)] = []
        func append(_ more: [(score: Double, idf: Double)]) { lock.withLock { values += more } }
        var all: [(score: Double, idf: Double)] { lock.withLock { values } }
    }

    static func pearson(_ a: [Double], _ b: [Double]) -> Double {
        let n = Double(a.count), ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
        var ab = 0.0, aa = 0.0, bb = 0.0
        for (x, y) in zip(a, b) { ab += (x - ma) * (y - mb); aa += (x - ma) * (x - ma); bb += (y - mb) * (y - mb) }
        return aa > 0 && bb > 0 ? ab / (aa * bb).squareRoot() : 0
    }

    @Test func markersAndExpansionAreReadAndTokenVectorsNeedARole() throws {
        let dir = TestFolder.path("tessera-markers")
        try FileManager.default.copyItem(atPath: try TrainingCase.tinyModel(), toPath: dir)
        try #"{"query_prefix": "[unused0]", "document_prefix": "[unused1]", "query_length": 32}"#
            .write(toFile: dir + "/config_sentence_transformers.json", atomically: true, encoding: .utf8)
        let markers = try TokenMarkers(folder: dir)
        #expect(markers.queryPrefix == "[unused0]" && markers.queryLength == 32 && markers.queryExpansion && !markers.attendToExpansion)
        let model = try EmbeddingModel(folder: dir)
        #expect(throws: ModelError.self) { try model.embedTokens(["water"]) }
        _ = try model.embed(["water"])  // pooled vectors do not use markers
        try #"{"prompts": {}, "similarity_fn_name": "cosine"}"#.write(toFile: dir + "/config_sentence_transformers.json", atomically: true, encoding: .utf8)
        #expect(try TokenMarkers(folder: dir) == .none)
        try #"{"query_prefix": 3}"#.write(toFile: dir + "/config_sentence_transformers.json", atomically: true, encoding: .utf8)
        #expect(throws: ModelError.self) { try TokenMarkers(folder: dir) }
    }

    @Test func xtrLossKeepsOnlyEachQueryTokensTopKTrainDocumentTokens() throws {
        // Rows: query 0 (one token [1, 0]), its positive (tokens scoring 0.8 and 0), its negative (0.6 and 1).
        let all: [Float] = [1, 0, 0.8, 0.6, 0, 1, 0.6, 0.8, 1, 0]
        let offsets = [0, 1, 3, 5]
        let k1 = try all.withUnsafeBufferPointer {
            try MultiVectorLoss(score: .xtr(kTrain: 1), temperature: 1).evaluate($0.baseAddress!, offsets: offsets, width: 2, queries: 1, negatives: 1)
        }
        // k_train 1: the negative's [1, 0] token (score 1) is the only one retrieved; the positive scores 0.
        #expect(abs(k1.loss - (-(0 - Foundation.log(exp(0) + exp(1))))) < 1e-6)
        let k4 = try all.withUnsafeBufferPointer {
            try MultiVectorLoss(score: .xtr(kTrain: 4), temperature: 1).evaluate($0.baseAddress!, offsets: offsets, width: 2, queries: 1, negatives: 1)
        }
        // k_train 4: every token; positive max 0.8, negative max 1.
        #expect(abs(k4.loss - (-(0.8 - Foundation.log(exp(0.8) + exp(1))))) < 1e-6)
        let colbert = try all.withUnsafeBufferPointer {
            try MultiVectorLoss(score: .colbert, temperature: 1).evaluate($0.baseAddress!, offsets: offsets, width: 2, queries: 1, negatives: 1)
        }
        #expect(abs(colbert.loss - k4.loss) < 1e-6)
        #expect(throws: TrainingError.self) {
            try all.withUnsafeBufferPointer {
                try MultiVectorLoss(score: .xtr(kTrain: 0), temperature: 1).evaluate($0.baseAddress!, offsets: offsets, width: 2, queries: 1, negatives: 1)
            }
        }
    }
}

