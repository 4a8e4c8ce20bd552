import Foundation
import Testing
import TesseraIO
import TesseraTestSupport
import TesseraCollections

@Suite(.serialized) struct CollectionCLITests {
    @Test func createAddSearchDeleteEvaluate() throws {
        let data = TinyBEIR.make()
        let model = TinyModel.make()
        let path = data + "/collection"
        func ok(_ arguments: [String], stdin: [UInt8] = []) throws -> CLI.Result {
            let r = try CLI.run(["collection"] + arguments, stdin: stdin)
            #expect(r.status == 0, "\(arguments): \(r.stderr)")
            return r
        }
        let created = try JSONValue.parse(Array(try ok(["create", "--path", path, "--model", model, "--json"]).stdout.utf8)).objectValue
        #expect(created?["indexes"]?.arrayValue?.count == 3)
        let added = try JSONValue.parse(Array(try ok(["add", "--path", path, "--documents", data + "/corpus.jsonl", "--batch-size", "3", "--json"]).stdout.utf8)).objectValue
        #expect(added?["added"]?.intValue == 4 && added?["documents"]?.intValue == 4 && added?["segments"]?.intValue == 2)
        let info = try JSONValue.parse(Array(try ok(["info", "--path", path]).stdout.utf8)).objectValue
        #expect(info?["documents"]?.intValue == 4 && info?["segments"]?.intValue == 2)
        for mode in ["dense", "dense-exact", "xtr", "aligner", "bm25"] {
            let lines = try ok(["search", "--path", path, "--query", "world", "--mode", mode, "--k", "2"]).stdout.split(separator: "\n")
            #expect(!lines.isEmpty && lines.count <= 2, "\(mode)")
            let first = try JSONValue.parse(Array(lines[0].utf8)).objectValue
            #expect(first?["id"]?.stringValue != nil && first?["score"]?.doubleValue != nil && first?["text"]?.stringValue != nil, "\(mode)")
        }
        // A document from standard input; adding it again is refused, upserting it replaces it.
        let new = Array("{\"_id\": \"d9\", \"text\": \"hello hello world\"}\n".utf8)
        _ = try ok(["add", "--path", path, "--documents", "-"], stdin: new)
        let again = try CLI.run(["collection", "add", "--path", path, "--documents", "-"], stdin: new)
        #expect(again.status != 0 && again.stderr.contains("exists already"), "\(again.stderr)")
        _ = try ok(["add", "--path", path, "--documents", "-", "--upsert"], stdin: Array("{\"_id\": \"d9\", \"text\": \"b b\"}\n".utf8))
        #expect(try ok(["get", "--path", path, "--id", "d9"]).stdout.contains("\"text\":\"b b\""))
        // A hybrid over the collection (reciprocal rank fusion, or weighted scores).
        let fused = try ok(["search", "--path", path, "--query", "hello world", "--mode", "hybrid", "--hybrid", "dense-exact,bm25", "--k", "3"]).stdout
        #expect(fused.split(separator: "\n").count == 3, "\(fused)")
        _ = try ok(["search", "--path", path, "--query", "hello", "--mode", "hybrid", "--fusion", "score", "--weight", "0.3"])
        let wrong = try CLI.run(["collection", "search", "--path", path, "--query", "a", "--mode", "bm25", "--fusion", "rrf"])
        #expect(wrong.status != 0 && wrong.stderr.contains("--fusion does not apply to --mode bm25"), "\(wrong.stderr)")
        let deleted = try JSONValue.parse(Array(try ok(["delete", "--path", path, "--id", "d1", "--id", "nope", "--json"]).stdout.utf8)).objectValue
        #expect(deleted?["deleted"]?.intValue == 1 && deleted?["asked"]?.intValue == 2)
        let hits = try ok(["search", "--path", path, "--query", "hello", "--mode", "dense-exact", "--k", "10"]).stdout
        #expect(!hits.contains("\"id\":\"d1\"") && hits.contains("\"id\":\"d9\""))
        let merged = try JSONValue.parse(Array(try ok(["merge", "--path", path, "--json"]).stdout.utf8)).objectValue
        #expect(merged?["segments"]?.intValue == 1 && merged?["segments_before"]?.intValue ?? 0 > 1)
        let evaluation = try JSONValue.parse(Array(try ok(["eval", "--path", path, "--data", data, "--mode", "bm25"]).stdout.utf8)).objectValue
        #expect(evaluation?["queries"]?.intValue == 3 && evaluation?["segments"]?.intValue == 1 && evaluation?["documents"]?.intValue == 4)
        let hybrid = try JSONValue.parse(Array(try ok(["eval", "--path", path, "--data", data, "--mode", "hybrid", "--hybrid", "xtr,bm25"]).stdout.utf8)).objectValue
        #expect(hybrid?["mode"]?.stringValue == "hybrid xtr,bm25 rrf" && hybrid?["queries"]?.intValue == 3)
        let missing = try CLI.run(["collection", "search", "--path", data + "/nope", "--query", "a"])
        #expect(missing.status != 0 && missing.stderr.contains("is not a collection"), "\(missing.stderr)")
    }
}

@Suite(.serialized) struct CollectionCrashTests {
    /// A writer process adding batches of 2 is SIGKILLed at random moments, 20 times. After each kill the collection
    /// opens (checksums verified), every batch the writer reported is there, and no batch is there by half.
    @Test func killedWritersLoseNoAcknowledgedBatch() throws {
        let data = CLI.folder()
        let model = TinyModel.make()
        let path = data + "/collection"
        #expect(try CLI.run(["collection", "create", "--path", path, "--model", model]).status == 0)
        let words = ["hello", "world", "a", "b"]
        var rng = SystemRandomNumberGenerator()
        var acknowledged: [String] = []
        var kills = 0
        for round in 0..<20 {
            let ids = (0..<40).map { "r\(round)-\($0)" }
            let lines = ids.enumerated().map { i, id in "{\"_id\": \"\(id)\", \"text\": \"\(words[i % 4]) \(words[(i / 4) % 4]) \(words[(i / 16) % 4])\"}" }
            let file = data + "/round\(round).jsonl"
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: file))
            let process = try ChildProcess(CLI.binary, ["collection", "add", "--path", path, "--documents", file, "--batch-size", "2", "--threads", "1"],
                                           stderr: .capture)
            usleep(UInt32.random(in: 20_000...400_000, using: &rng))
            if process.isRunning { process.kill(); kills += 1 }
            process.wait()
            // "added N documents" is printed after batch N/2 is durable: those are acknowledged.
            let stderr = String(decoding: process.errors, as: UTF8.self)
            let reported = stderr.split(separator: "\n").compactMap { line -> Int? in
                guard line.hasPrefix("added ") else { return nil }
                return Int(line.split(separator: " ")[1])
            }.max() ?? 0
            acknowledged += ids.prefix(reported)
            let c = try DocumentCollection(path: path)
            let present = Set(c.documentIDs)
            #expect(acknowledged.allSatisfy(present.contains), "round \(round): an acknowledged document is missing")
            let landed = ids.filter(present.contains)
            #expect(landed.count % 2 == 0 && landed == Array(ids.prefix(landed.count)), "round \(round): \(landed.count) documents of a batch")
            #expect(landed.count >= reported && landed.count <= reported + 2, "round \(round): \(landed.count) landed, \(reported) acknowledged")
            #expect(try c.search("hello world", mode: .dense, k: 5).count == min(5, c.count))
            acknowledged = Array(Set(acknowledged + landed))
        }
        #expect(kills >= 10, "only \(kills) of 20 writers were still running when killed")
    }
}
