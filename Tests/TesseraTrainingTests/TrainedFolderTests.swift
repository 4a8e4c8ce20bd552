import Foundation
import Testing
import TesseraIO
import TesseraModels
import TesseraTraining
import TesseraTestSupport

/// A folder `TrainingRun` writes loads in sentence-transformers and encodes to the same vectors as in Tessera
/// (Fixtures/st_load_vectors.json, made by Scripts/make_st_load_fixture.py with the same training settings).
@Suite struct TrainedFolderTests {
    static let fixtures = Bundle.module.resourcePath! + "/Fixtures"

    static func configuration() -> TrainingConfiguration {
        var c = TrainingConfiguration(loss: "mnrl")
        c.batchSize = 8
        c.epochs = 3
        c.learningRate = 1e-3
        c.dropout = 0.1
        c.seed = 42
        return c
    }

    static func train(_ c: TrainingConfiguration = configuration(), out: String = TestFolder.path("tessera-train")) throws -> (String, TrainingSummary) {
        let run = try TrainingRun(model: TrainingCase.tinyModel(), data: fixtures + "/tiny_train.jsonl", output: out,
                                  configuration: c, threads: 2)
        return (out, try run.run())
    }

    @Test func sentenceTransformersEncodesTheTrainedFolderAsTesseraDoes() throws {
        let (out, summary) = try Self.train()
        #expect(summary.steps == 9 && summary.keptStep == 9)
        #expect(summary.losses.last! < summary.losses.first!)
        let json = try JSONValue.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/st_load_vectors.json"))))
        let texts = (json.objectValue?["texts"]?.arrayValue ?? []).compactMap(\.stringValue)
        let reference = (json.objectValue?["vectors"]?.arrayValue ?? []).map { ($0.arrayValue ?? []).compactMap(\.doubleValue) }
        #expect(texts.count == 6 && reference.count == 6)
        for file in ["config.json", "model.safetensors", "tokenizer.json", "modules.json", "1_Pooling/config.json",
                     "sentence_bert_config.json", "README.md"] {
            #expect(FileManager.default.fileExists(atPath: out + "/" + file), "\(file) missing")
        }
        let model = try EmbeddingModel(folder: out)
        let vectors = try model.embed(texts)
        let before = try EmbeddingModel(folder: try TrainingCase.tinyModel()).embed(texts)
        var moved = 0.0
        for i in 0..<texts.count {
            let ours = vectors[(i * 32)..<((i + 1) * 32)].map(Double.init)
            let theirs = reference[i]
            let dot = zip(ours, theirs).reduce(0) { $0 + $1.0 * $1.1 }
            let cosine = dot / (ours.reduce(0) { $0 + $1 * $1 }.squareRoot() * theirs.reduce(0) { $0 + $1 * $1 }.squareRoot())
            #expect(cosine >= 0.99999, "text \(i): cosine \(cosine)")
            moved += zip(ours, before[(i * 32)..<((i + 1) * 32)]).reduce(0) { $0 + abs($1.0 - Double($1.1)) }
        }
        // Training really changed the model.
        #expect(moved > 0.1)
    }

    @Test func aDenseHeadIsTrainedWrittenWhereSentenceTransformersReadsItAndResumed() throws {
        var c = Self.configuration()
        c.epochs = 2
        let source = try TrainingCase.tinyDenseModel()
        func train(_ out: String, resume: Bool = false) throws -> TrainingSummary {
            try TrainingRun(model: source, data: Self.fixtures + "/tiny_train.jsonl", output: out, configuration: c, threads: 2)
                .run(resume: resume)
        }
        let out = TestFolder.path("tessera-train-dense")
        let summary = try train(out)
        #expect(summary.steps == 6)
        let fm = FileManager.default
        for file in ["2_Dense/config.json", "2_Dense/model.safetensors", "checkpoint-3/2_Dense/model.safetensors", "modules.json"] {
            #expect(fm.fileExists(atPath: out + "/" + file), "\(file) missing")
        }
        let trained = try EmbeddingModel(folder: out)
        #expect(trained.heads.count == 1 && trained.dimension == 16)
        let before = try DenseHead(folder: source, path: "2_Dense"), after = trained.heads[0]
        #expect(after.activation == .tanh && after.weight.shape == [16, 32])
        #expect(after.weight.values != before.weight.values && after.bias?.values != before.bias?.values)
        // The model itself holds no head tensors (transformers would report them as unexpected).
        #expect(try SafeTensorsFile(path: out + "/model.safetensors").tensors.keys.allSatisfy { !$0.contains("linear") })

        // Resume from the first epoch's checkpoint: the same bits, head included.
        let resumed = TestFolder.path("tessera-train-dense")
        _ = try train(resumed)
        try fm.removeItem(atPath: resumed + "/checkpoint-6")
        try fm.removeItem(atPath: resumed + "/2_Dense/model.safetensors")
        let second = try train(resumed, resume: true)
        #expect(second.stepsRun == 3)
        for file in ["model.safetensors", "2_Dense/model.safetensors"] {
            #expect(try Data(contentsOf: URL(fileURLWithPath: resumed + "/" + file)) == Data(contentsOf: URL(fileURLWithPath: out + "/" + file)), "\(file)")
        }
    }

    @Test func sameSeedSameThreadsGiveBitIdenticalWeights() throws {
        let (a, _) = try Self.train()
        let (b, _) = try Self.train()
        #expect(try Data(contentsOf: URL(fileURLWithPath: a + "/model.safetensors")) == Data(contentsOf: URL(fileURLWithPath: b + "/model.safetensors")))
        var other = Self.configuration()
        other.seed = 43
        let (c, _) = try Self.train(other)
        #expect(try Data(contentsOf: URL(fileURLWithPath: a + "/model.safetensors")) != Data(contentsOf: URL(fileURLWithPath: c + "/model.safetensors")))
    }

    @Test func noShuffleBatchesFollowTheFile() throws {
        var c = Self.configuration()
        c.shuffle = false
        let run = try TrainingRun(model: TrainingCase.tinyModel(), data: Self.fixtures + "/tiny_train.jsonl",
                                  output: TestFolder.path("tessera-ns"), configuration: c, threads: 1)
        #expect(run.batchIndices(step: 0) == Array(0..<8))
        #expect(run.batchIndices(step: 4) == Array(8..<16))
        let shuffled = try TrainingRun(model: TrainingCase.tinyModel(), data: Self.fixtures + "/tiny_train.jsonl",
                                       output: TestFolder.path("tessera-sh"), configuration: Self.configuration(), threads: 1)
        #expect(Set((0..<3).flatMap { shuffled.batchIndices(step: $0) }) == Set(0..<24))
        #expect(shuffled.batchIndices(step: 0) != Array(0..<8))
    }

    @Test func resumeContinuesBitExactlyAndIgnoresUnfinishedCheckpoints() throws {
        let (full, _) = try Self.train()
        let out = TestFolder.path("tessera-resume")
        var c = Self.configuration()
        c.steps = 9
        _ = try Self.train(c, out: out)
        // Keep checkpoint 3 only; leave the traces of a write killed halfway: a temporary folder and a checkpoint
        // folder without its state file.
        let fm = FileManager.default
        try fm.removeItem(atPath: out + "/checkpoint-9")
        try fm.removeItem(atPath: out + "/checkpoint-6/trainer_state.json")
        try fm.createDirectory(atPath: out + "/.tmp-checkpoint-7-1", withIntermediateDirectories: true)
        try fm.removeItem(atPath: out + "/model.safetensors")
        let run = try TrainingRun(model: TrainingCase.tinyModel(), data: Self.fixtures + "/tiny_train.jsonl", output: out,
                                  configuration: c, threads: 2)
        let summary = try run.run(resume: true)
        #expect(summary.stepsRun == 6)
        #expect(!fm.fileExists(atPath: out + "/.tmp-checkpoint-7-1"))
        // Same bits as the uninterrupted run (whose configuration differs only by naming its steps).
        #expect(try Data(contentsOf: URL(fileURLWithPath: out + "/model.safetensors")) == Data(contentsOf: URL(fileURLWithPath: full + "/model.safetensors")))
    }

    @Test func changedConfigurationsAndExistingCheckpointsAreRefused() throws {
        let (out, _) = try Self.train()
        var changed = Self.configuration()
        changed.learningRate = 2e-3
        let run = try TrainingRun(model: TrainingCase.tinyModel(), data: Self.fixtures + "/tiny_train.jsonl", output: out,
                                  configuration: changed, threads: 2)
        expectTrainingError("learningRate: 0.001 → 0.002") { _ = try run.run(resume: true) }
        let again = try TrainingRun(model: TrainingCase.tinyModel(), data: Self.fixtures + "/tiny_train.jsonl", output: out,
                                    configuration: Self.configuration(), threads: 2)
        expectTrainingError("already holds checkpoints") { _ = try again.run() }
        let empty = try TrainingRun(model: TrainingCase.tinyModel(), data: Self.fixtures + "/tiny_train.jsonl",
                                    output: TestFolder.path("tessera-none"), configuration: Self.configuration(), threads: 2)
        expectTrainingError("no checkpoint") { _ = try empty.run(resume: true) }
    }

    @Test func aDivergingRunStopsAndKeepsTheLastGoodCheckpoint() throws {
        var c = Self.configuration()
        c.learningRate = 1e30
        c.warmupSteps = 0
        c.checkpointEvery = 1
        c.maxGradNorm = 1e30
        let out = TestFolder.path("tessera-nan")
        let run = try TrainingRun(model: TrainingCase.tinyModel(), data: Self.fixtures + "/tiny_train.jsonl", output: out,
                                  configuration: c, threads: 2)
        expectTrainingError("not finite") { _ = try run.run() }
        let kept = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasPrefix("checkpoint-") }
        #expect(!kept.isEmpty)
        for name in kept {
            // Every checkpoint left is complete and loads.
            _ = try EmbeddingModel(folder: out + "/" + name)
            #expect(FileManager.default.fileExists(atPath: out + "/" + name + "/trainer_state.json"))
        }
    }
}

func expectTrainingError(_ fragment: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("expected an error containing \(fragment)", sourceLocation: sourceLocation)
    } catch {
        #expect(String(describing: error).contains(fragment), "\(error)", sourceLocation: sourceLocation)
    }
}
