import Foundation
import Testing
import TesseraIO
import TesseraTestSupport

/// `tessera distill` against a real llama-cpp-python server: a run SIGKILLed mid-way resumes with nothing written
/// lost, a rerun is answered from the cache, and bad settings are clear errors.
@Suite(.serialized) struct DistillCLITests {
    let folder = TestFolder.path("tessera-distill-cli")

    func corpus() throws -> String {
        let topics = ["Vaccines train memory B and T cells against a pathogen.", "Antibiotic overuse selects resistant bacteria.",
                      "Telomerase extends chromosome ends in dividing cells.", "Insulin lets muscle and fat cells take up glucose.",
                      "Sleep deprivation impairs memory consolidation.", "Coffee's caffeine blocks adenosine receptors.",
                      "Aerobic exercise lowers resting blood pressure.", "Vitamin D is made in skin exposed to sunlight.",
                      "Malaria parasites are carried by Anopheles mosquitoes.", "Statins lower LDL cholesterol in the blood.",
                      "Gut bacteria ferment fibre into short-chain fatty acids.", "Smoking damages the cilia lining the airways."]
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/corpus.jsonl"
        let lines = topics.enumerated().map { i, text in
            String(decoding: JSONWriter.encode(.object(JSONObject([("_id", .string("doc\(i)")), ("title", .string("")), ("text", .string(text))]))), as: UTF8.self)
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func aKilledRunResumesAndARerunIsFree() async throws {
        try await onOwnThread { try self.killedRunResumesAndARerunIsFree() }
    }

    func killedRunResumesAndARerunIsFree() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        guard let model = TestModelLocator.folder else { Issue.record(Comment(rawValue: TestModelLocator.missingMessage)); return }
        let server: LlamaServer
        do { server = try LlamaServer(logitsAll: true) } catch { Issue.record("\(error)"); return }
        defer { server.stop() }
        let corpus = try corpus()
        let out = folder + "/fret.jsonl"
        let arguments = ["distill", "--corpus", corpus, "--llm-url", server.url, "--sample", "12", "--neighbours", "3",
                         "--scoring", "rc", "--model", model, "--out", out, "--quiet", "--threads", "1"]

        // A run killed once two samples are logged.
        let process = try ChildProcess(CLI.binary, arguments)
        let deadline = Date().addingTimeInterval(600)
        var logged: [Substring] = []
        while Date() < deadline && process.isRunning {
            logged = ((try? String(contentsOfFile: out + ".partial", encoding: .utf8)) ?? "").split(separator: "\n")
            if logged.count >= 3 { break }
            usleep(20_000)
        }
        let killed = process.kill()
        #expect(killed.signalled, "the run finished before it could be killed")
        #expect(!FileManager.default.fileExists(atPath: out))
        let before = try String(contentsOfFile: out + ".partial", encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(before.count >= 3)

        // Without --resume the log is kept and the command says how to go on.
        let refused = try CLI.run(arguments)
        #expect(refused.status == 1 && refused.stderr.contains("--resume"), "\(refused.stderr)")

        let resumed = try CLI.run(arguments + ["--resume", "--json"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let summary = try JSONValue.parse(string: resumed.stdout)
        #expect(summary["samples"]?.intValue == 12)
        #expect(summary["processed_here"]?.intValue == 12 - (before.count - 1))
        #expect(!FileManager.default.fileExists(atPath: out + ".partial"))
        let kept = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map(String.init)
        let dropped = try String(contentsOfFile: out + ".dropped.jsonl", encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(kept.count + dropped.count == 12 && summary["kept"]?.intValue == kept.count)
        #expect(kept.count >= 6, "SmolLM2 wrote usable queries for fewer than half the passages")
        // The samples logged before the kill are in the output as they were.
        for line in before.dropFirst() {
            #expect(kept.contains(line) || dropped.contains(line))
        }
        for line in kept {
            let value = try JSONValue.parse(string: line)
            #expect(value["scoring"]?.stringValue == "rc" && value["negatives"]?.arrayValue?.count == 1)
        }

        // A rerun with the same cache sends nothing and writes the same lines.
        let again = try CLI.run(arguments.map { $0 == out ? folder + "/again.jsonl" : $0 } + ["--cache", out + ".cache", "--index", out + ".index-dense", "--json"])
        #expect(again.status == 0, "\(again.stderr)")
        let rerun = try JSONValue.parse(string: again.stdout)
        #expect(rerun["llm_requests"]?.intValue == 0 && (rerun["llm_cache_hits"]?.intValue ?? 0) > 0)
        #expect(FileManager.default.contents(atPath: out) == FileManager.default.contents(atPath: folder + "/again.jsonl"))

        // Bad settings: one clear line, exit 1.
        let badURL = try CLI.run(["distill", "--corpus", corpus, "--llm-url", "localhost:8080", "--out", folder + "/x.jsonl", "--model", model])
        #expect(badURL.status != 0 && badURL.stderr.contains("http://"))
        let noServer = try CLI.run(["distill", "--corpus", corpus, "--llm-url", "http://127.0.0.1:\(try LlamaServer.freePort())", "--out",
                                    folder + "/y.jsonl", "--model", model, "--max-attempts", "1", "--index", out + ".index-dense", "--quiet"])
        #expect(noServer.status == 1 && noServer.stderr.contains("cannot reach the server"), "\(noServer.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/y.jsonl"))
    }
}
