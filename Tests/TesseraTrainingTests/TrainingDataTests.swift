import Foundation
import Testing
import TesseraTraining
import TesseraTestSupport

@Suite struct TrainingDataTests {
    func parse(_ line: String) throws -> TrainingExample { try TrainingData.parse(Array(line.utf8), line: 7, source: "t.jsonl") }

    @Test func linesParse() throws {
        let e = try parse(#"{"query": "q", "positive": {"title": "T", "text": "x"}, "negatives": ["n1", {"text": "n2"}], "task": "fact checking"}"#)
        #expect(e.query == "q" && e.positive == TrainingDocument(title: "T", text: "x") && e.negatives.count == 2 && e.task == "fact checking")
        #expect(InputFormat.plain.document(e.positive) == "T x")
        #expect(InputFormat.gecko.document(e.positive) == "title: T | text: x")
        #expect(InputFormat.gecko.query(e.query, task: e.task) == "task: fact checking | query: q")
        #expect(try parse(#"{"query": "q", "positive": "p"}"#).negatives.isEmpty)
    }

    @Test(arguments: [
        (#"{"query": "q""#, "t.jsonl:7: invalid JSON"),
        (#"[1]"#, "t.jsonl:7: expected a JSON object"),
        (#"{"positive": "p"}"#, "t.jsonl:7: missing or non-string \"query\""),
        (#"{"query": "  ", "positive": "p"}"#, "t.jsonl:7: empty query"),
        (#"{"query": "q"}"#, "t.jsonl:7: missing \"positive\""),
        (#"{"query": "q", "positive": ""}"#, "t.jsonl:7: empty positive"),
        (#"{"query": "q", "positive": 3}"#, "t.jsonl:7: positive must be a string"),
        (#"{"query": "q", "positive": "p", "negatives": "n"}"#, "t.jsonl:7: \"negatives\" must be an array"),
        (#"{"query": "q", "positive": "p", "negatives": [""]}"#, "t.jsonl:7: empty negative 1"),
        (#"{"query": "q", "positive": "p", "task": 1}"#, "t.jsonl:7: \"task\" must be a string"),
    ])
    func badLinesNameFileAndLine(line: String, message: String) {
        expectTrainingError(message) { _ = try parse(line) }
    }

    @Test func badRunsAreRefusedBeforeTraining() throws {
        let fixtures = Bundle.module.resourcePath! + "/Fixtures"
        let dir = TestFolder.path("tessera-baddata")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "{\"query\": \"the sun\", \"positive\": \"the sun heat\"}\n".write(toFile: dir + "/one.jsonl", atomically: true, encoding: .utf8)
        let out = dir + "/out"
        expectTrainingError("at least 2 examples") {
            _ = try TrainingRun(model: TrainingCase.tinyModel(), data: dir + "/one.jsonl", output: out, configuration: TrainingConfiguration(loss: "mnrl"))
        }
        expectTrainingError("tiny_train.jsonl:1: 1 negatives, but --negatives 2 asks for more") {
            var c = TrainingConfiguration(loss: "mnrl")
            c.negatives = 2
            _ = try TrainingRun(model: TrainingCase.tinyModel(), data: fixtures + "/tiny_train.jsonl", output: out, configuration: c)
        }
        expectTrainingError("Matryoshka dimension 64 outside 1...32") {
            var c = TrainingConfiguration(loss: "mnrl")
            c.matryoshkaDimensions = [64]
            _ = try TrainingRun(model: TrainingCase.tinyModel(), data: fixtures + "/tiny_train.jsonl", output: out, configuration: c)
        }
        expectTrainingError("--batch-size must be at least 2") {
            var c = TrainingConfiguration(loss: "mnrl")
            c.batchSize = 1
            _ = try TrainingRun(model: TrainingCase.tinyModel(), data: fixtures + "/tiny_train.jsonl", output: out, configuration: c)
        }
        // A model folder without its tokenizer.
        let model = dir + "/model"
        try FileManager.default.copyItem(atPath: TrainingCase.tinyModel(), toPath: model)
        try FileManager.default.removeItem(atPath: model + "/tokenizer.json")
        expectTrainingError("tokenizer.json not found") {
            _ = try TrainingRun(model: model, data: fixtures + "/tiny_train.jsonl", output: out, configuration: TrainingConfiguration(loss: "mnrl"))
        }
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
