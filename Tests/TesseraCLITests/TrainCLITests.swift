import Foundation
import Testing
import TesseraIO
import TesseraTestSupport

/// `tessera pairs`, `mine` and `train` as a user runs them, on the committed tiny BERT.
@Suite(.serialized) struct TrainCLITests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("TesseraTrainingTests/Fixtures").path
    /// The tiny BERT with its weights rebuilt (once per process) from the seed the fixture script used.
    static func tiny() throws -> String { try tinyFolder.get() }
    private static let tinyFolder = Result { try TinyTrainingModel.make(fixture: fixtures + "/tiny_bert") }

    /// A BEIR folder over the tiny model's words: 6 documents, 3 train queries (one with two positives).
    static func beir() throws -> String {
        let dir = CLI.folder()
        let docs = [("d1", "sun", "the sun heats the earth"), ("d2", "ice", "ice melts in the hot sun"),
                    ("d3", "plants", "plants need water and light"), ("d4", "magnet", "a magnet moves iron"),
                    ("d5", "sound", "a sound wave moves in air"), ("d6", "ocean", "cold wind from the ocean")]
        try docs.map { "{\"_id\": \"\($0.0)\", \"title\": \"\($0.1)\", \"text\": \"\($0.2)\"}" }.joined(separator: "\n")
            .write(toFile: dir + "/corpus.jsonl", atomically: true, encoding: .utf8)
        try ["{\"_id\": \"q1\", \"text\": \"what heats the earth\"}", "{\"_id\": \"q2\", \"text\": \"how does ice melt\"}",
             "{\"_id\": \"q3\", \"text\": \"what moves iron\"}"].joined(separator: "\n")
            .write(toFile: dir + "/queries.jsonl", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: dir + "/qrels", withIntermediateDirectories: true)
        try "query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\t1\nq2\td2\t1\nq3\td4\t1\nq3\td5\t0\n"
            .write(toFile: dir + "/qrels/train.tsv", atomically: true, encoding: .utf8)
        return dir
    }

    /// ``beir()`` and its train qrels as training lines (`tessera pairs`).
    static func beirWithPairs() throws -> (beir: String, pairs: String) {
        let beir = try beir()
        let pairs = beir + "/pairs.jsonl"
        let p = try CLI.run(["pairs", "--data", beir, "--split", "train", "--out", pairs])
        #expect(p.status == 0, "\(p.stderr)")
        return (beir, pairs)
    }

    func lines(_ path: String) throws -> [JSONObject] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try JSONValue.parse(Array($0.utf8)).objectValue ?? JSONObject()
        }
    }

    @Test func pairsThenMineThenTrain() throws {
        let beir = try Self.beir()
        let pairs = beir + "/pairs.jsonl"
        let p = try CLI.run(["pairs", "--data", beir, "--split", "train", "--out", pairs])
        #expect(p.status == 0, "\(p.stderr)")
        let written = try lines(pairs)
        #expect(written.map { $0["positive_id"]?.stringValue ?? "" } == ["d1", "d2", "d2", "d4"])
        #expect(written[0]["positive"]?.objectValue?["title"]?.stringValue == "sun")

        let mined = beir + "/mined.jsonl"
        let m = try CLI.run(["mine", "--model", Self.tiny(), "--data", pairs, "--corpus", beir + "/corpus.jsonl", "--out", mined,
                             "--num-negatives", "2", "--range-max", "5"])
        #expect(m.status == 0, "\(m.stderr)")
        let withNegatives = try lines(mined)
        #expect(withNegatives.count == 4)
        for line in withNegatives {
            let negatives = (line["negative_ids"]?.arrayValue ?? []).compactMap(\.stringValue)
            #expect(negatives.count == 2)
            // A positive of the same query is never mined (q1 has two).
            let query = line["query"]?.stringValue
            let positives = withNegatives.filter { $0["query"]?.stringValue == query }.compactMap { $0["positive_id"]?.stringValue }
            #expect(Set(negatives).isDisjoint(with: positives), "\(negatives) vs \(positives)")
        }

        let out = beir + "/model"
        let t = try CLI.run(["train", "--model", Self.tiny(), "--data", mined, "--out", out, "--batch-size", "4", "--epochs", "2",
                             "--lr", "1e-3", "--loss", "gecko", "--mrl-dims", "32,16", "--mini-batch-size", "3", "--json"])
        #expect(t.status == 0, "\(t.stderr)")
        let summary = try JSONValue.parse(Array(t.stdout.utf8)).objectValue
        #expect(summary?["steps"]?.intValue == 2)
        #expect(summary?["kept_step"]?.intValue == 2)
        let e = try CLI.run(["embed", "--model", out, "--input", beir + "/corpus.jsonl", "--output", beir + "/v.npy"])
        #expect(e.status == 0, "\(e.stderr)")
    }

    @Test func xtrTrainingEvaluatesThroughWARPAndTheModelServesTokenSearch() throws {
        let (beir, pairs) = try Self.beirWithPairs()
        let out = beir + "/xtr-model"
        let t = try CLI.run(["train", "--model", Self.tiny(), "--data", pairs, "--out", out, "--batch-size", "2", "--epochs", "2",
                             "--lr", "1e-3", "--loss", "xtr", "--dim", "8", "--k-train", "6", "--eval", beir, "--eval-split", "train",
                             "--json", "--quiet"])
        #expect(t.status == 0, "\(t.stderr)")
        let summary = try JSONValue.parse(Array(t.stdout.utf8)).objectValue
        let evaluations = summary?["evaluations"]?.arrayValue ?? []
        #expect(evaluations.count == 2)
        #expect(evaluations.allSatisfy { ($0.objectValue?["ndcg@10"]?.doubleValue ?? -1) > 0 })
        // The evaluation's temporary indexes are gone.
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).allSatisfy { !$0.hasPrefix(".eval-index") })
        let e = try CLI.run(["embed", "--model", out, "--tokens", "--input", beir + "/corpus.jsonl", "--output", beir + "/t.npy"])
        #expect(e.status == 0, "\(e.stderr)")
        let vectors = try NPYArray(path: beir + "/t.npy")
        #expect(vectors.shape.last == 8)
        let b = try CLI.run(["beir", "--data", beir, "--split", "train", "--model", out, "--mode", "xtr", "--json",
                             "--index-dir", beir + "/indexes"])
        #expect(b.status == 0, "\(b.stderr)")
        // Option mistakes are one line.
        let wrong = try CLI.run(["train", "--model", Self.tiny(), "--data", pairs, "--out", beir + "/o", "--loss", "mnrl", "--k-train", "4"])
        #expect(wrong.status != 0 && wrong.stderr.contains("--k-train applies to --loss xtr"))
    }

    @Test func alignerTrainingWritesSalienceHeadsThatTheIndexesUse() throws {
        let (beir, pairs) = try Self.beirWithPairs()
        let out = beir + "/aligner-model"
        let t = try CLI.run(["train", "--model", Self.tiny(), "--data", pairs, "--out", out, "--batch-size", "2", "--epochs", "1",
                             "--lr", "1e-3", "--loss", "aligner", "--dim", "8", "--alpha-q", "0.5", "--alpha-d", "0.6", "--epsilon", "0.05",
                             "--eval", beir, "--eval-split", "train", "--json", "--quiet"])
        #expect(t.status == 0, "\(t.stderr)")
        let config = try JSONValue.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: out + "/2_Salience/config.json")))).objectValue
        #expect(config?["alpha_document"]?.doubleValue == 0.6 && config?["epsilon"]?.doubleValue == 0.05 && config?["in_features"]?.intValue == 32)
        #expect(FileManager.default.fileExists(atPath: out + "/2_Salience/model.safetensors"))
        for mode in [["aligner", "--prune", "0.5", "--query-prune", "0.5"], ["aligner-exact", "--prune", "0.5"]] {
            let b = try CLI.run(["beir", "--data", beir, "--split", "train", "--model", out, "--mode"] + mode + ["--json", "--index-dir", beir + "/indexes"])
            #expect(b.status == 0, "\(b.stderr)")
        }
        // The WARP index holds the learned saliences; the exact one stores them beside the vectors.
        let folders = try FileManager.default.contentsOfDirectory(atPath: beir + "/indexes")
        var kinds: [String] = []
        for folder in folders where FileManager.default.fileExists(atPath: beir + "/indexes/" + folder + "/manifest.json") {
            let manifest = try String(contentsOfFile: beir + "/indexes/" + folder + "/manifest.json", encoding: .utf8)
            if manifest.contains("warp-residual") { kinds.append(manifest.contains("\"learned\"") ? "warp-learned" : "warp-idf") }
            else { kinds.append(manifest.contains("\"saliences\"") ? "exact-learned" : "exact") }
        }
        #expect(kinds.sorted() == ["exact-learned", "warp-learned"], "\(kinds)")
        // Few-shot alignment adaptation runs on the trained model's learned saliences.
        let adapt = try CLI.run(["adapt", "--data", beir, "--split", "train", "--model", out, "--shots", "2", "--json", "--index-dir", beir + "/indexes"])
        #expect(adapt.status == 0, "\(adapt.stderr)")
        // XTR training of an AligneR folder would drop its heads: refused.
        let x = try CLI.run(["train", "--model", out, "--data", pairs, "--out", beir + "/x", "--loss", "xtr"])
        #expect(x.status != 0 && x.stderr.contains("train it with --loss aligner"), "\(x.stderr)")
        let wrong = try CLI.run(["train", "--model", Self.tiny(), "--data", pairs, "--out", beir + "/o", "--loss", "xtr", "--alpha-q", "0.5"])
        #expect(wrong.status != 0 && wrong.stderr.contains("apply to --loss aligner"), "\(wrong.stderr)")
    }

    /// The files of a folder and their bytes.
    func contents(_ folder: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.subpathsOfDirectory(atPath: folder) {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: folder + "/" + name, isDirectory: &isDir), !isDir.boolValue {
                files[name] = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))
            }
        }
        return files
    }

    @Test func aCheckpointWriteThatFailsOrIsKilledLeavesThePreviousOneIntact() throws {
        let dir = CLI.folder(), out = CLI.folder() + "/model"
        let train = ["train", "--model", try Self.tiny(), "--data", Self.fixtures + "/tiny_train.jsonl", "--out", out,
                     "--batch-size", "4", "--steps", "2", "--checkpoint-every", "1", "--quiet"]
        let full = try CLI.run(train)
        #expect(full.status == 0, "\(full.stderr)")
        let finished = try Data(contentsOf: URL(fileURLWithPath: out + "/model.safetensors"))
        // Back to the state after step 1.
        let fm = FileManager.default
        try fm.removeItem(atPath: out + "/checkpoint-2")
        let first = try contents(out + "/checkpoint-1")
        let weights = first["model.safetensors"]?.count ?? 0, moments = first["optimizer.safetensors"]?.count ?? 0
        #expect(weights > 0 && moments > weights + 4096)
        // Room for the checkpoint's weights, not for its optimizer state: the write stops halfway through.
        let limit = weights + 2048
        func leftovers() throws -> [String] { try fm.contentsOfDirectory(atPath: out).filter { $0.hasPrefix("checkpoint-") || $0.hasPrefix(".tmp-") }.sorted() }

        // A full disk: a clear one-line error, the temporary folder removed, checkpoint 1 untouched.
        let failed = try CLI.runWithFileSizeLimit(limit, ignoreSignal: true, train + ["--resume"])
        #expect(failed.status == 1)
        #expect(failed.stderr.hasPrefix("tessera: error: ") && failed.stderr.contains("checkpoint-2")
                && failed.stderr.contains("too large") && failed.stderr.filter { $0 == "\n" }.count == 1, "\(failed.stderr)")
        #expect(try leftovers() == ["checkpoint-1"])
        #expect(try contents(out + "/checkpoint-1") == first)

        // Killed while writing: checkpoint 1 untouched; what the dead process left is ignored and cleaned on resume.
        let killed = try CLI.runWithFileSizeLimit(limit, ignoreSignal: false, train + ["--resume"])
        #expect(killed.status == 128 + 25, "SIGXFSZ expected: \(killed.status) \(killed.stderr)")
        #expect(try leftovers().filter { !$0.hasPrefix(".tmp-") } == ["checkpoint-1"])
        #expect(try contents(out + "/checkpoint-1") == first)

        // Resumed with room: the same bits as the run that was never interrupted.
        let resumed = try CLI.run(train + ["--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try leftovers() == ["checkpoint-1", "checkpoint-2"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: out + "/model.safetensors")) == finished)
        try? fm.removeItem(atPath: dir)
    }

    @Test func badInputIsOneLine() throws {
        let beir = try Self.beir()
        try "{\"query\": \"a\", \"positive\": \"b\"}\n{\"query\": 3, \"positive\": \"b\"}\n".write(toFile: beir + "/bad.jsonl", atomically: true, encoding: .utf8)
        let r = try CLI.run(["train", "--model", Self.tiny(), "--data", beir + "/bad.jsonl", "--out", beir + "/o"])
        #expect(r.status == 1)
        #expect(r.stderr == "tessera: error: \(beir)/bad.jsonl:2: missing or non-string \"query\"\n")
        #expect(!FileManager.default.fileExists(atPath: beir + "/o"))
        let v = try CLI.run(["train", "--model", Self.tiny(), "--data", beir + "/bad.jsonl", "--out", beir + "/o", "--mrl-dims", "32,x"])
        #expect(v.status != 0 && v.stderr.contains("--mrl-dims must be a comma-separated list"))
        let s = try CLI.run(["pairs", "--data", beir, "--split", "nope", "--out", beir + "/p.jsonl"])
        #expect(s.status == 1 && s.stderr.contains("qrels file"))
    }
}
