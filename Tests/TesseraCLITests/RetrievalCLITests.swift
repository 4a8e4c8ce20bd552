import Foundation
import Testing
import TesseraIO
import TesseraTestSupport

/// A tiny BEIR dataset (corpus, queries, qrels) in a temporary folder.
enum TinyBEIR {
    static func make() -> String {
        let dir = CLI.folder()
        try? FileManager.default.createDirectory(atPath: dir + "/qrels", withIntermediateDirectories: true)
        let corpus = [
            "{\"_id\": \"d1\", \"title\": \"Hello\", \"text\": \"hello world\"}",
            "{\"_id\": \"d2\", \"title\": \"\", \"text\": \"a b a b\"}",
            "{\"_id\": \"d3\", \"title\": \"World\", \"text\": \"world hellos\"}",
            "{\"_id\": \"d4\", \"title\": \"\", \"text\": \"b\"}",
        ]
        let queries = ["{\"_id\": \"q1\", \"text\": \"hello\"}", "{\"_id\": \"q2\", \"text\": \"a b\"}", "{\"_id\": \"q3\", \"text\": \"world\"}"]
        let qrels = "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\nq3\td3\t1\nq3\td1\t1\n"
        _ = FileManager.default.createFile(atPath: dir + "/corpus.jsonl", contents: Data((corpus.joined(separator: "\n") + "\n").utf8))
        _ = FileManager.default.createFile(atPath: dir + "/queries.jsonl", contents: Data((queries.joined(separator: "\n") + "\n").utf8))
        _ = FileManager.default.createFile(atPath: dir + "/qrels/test.tsv", contents: Data(qrels.utf8))
        return dir
    }
}

@Suite(.serialized) struct RetrievalCLITests {
    @Test func indexSearchEvalRoundTrip() throws {
        let data = TinyBEIR.make()
        let model = TinyModel.make()
        for (kind, extra) in [("bm25", []), ("dense", []), ("tokens", []), ("tokens", ["--exact"])] {
            let out = data + "/" + kind + (extra.isEmpty ? "" : "-exact")
            let r = try CLI.run(["index", "--model", model, "--corpus", data + "/corpus.jsonl", "--out", out, "--kind", kind, "--quiet"] + extra)
            #expect(r.status == 0, "\(kind) \(extra): \(r.stderr)")
        }
        let modes = [("bm25", "bm25"), ("dense", "dense"), ("dense-exact", "dense"), ("colbert", "tokens-exact"), ("xtr-exact", "tokens-exact"),
                     ("aligner-exact", "tokens-exact"), ("xtr", "tokens"), ("aligner", "tokens")]
        for (mode, index) in modes {
            let r = try CLI.run(["search", "--index", data + "/" + index, "--queries", data + "/queries.jsonl", "--mode", mode,
                                 "--out", data + "/\(mode).trec", "--top-k", "3"])
            #expect(r.status == 0, "\(mode): \(r.stderr)")
            let lines = try String(contentsOfFile: data + "/\(mode).trec", encoding: .utf8).split(separator: "\n")
            #expect(!lines.isEmpty && lines.allSatisfy { $0.split(separator: " ").count == 6 }, "\(mode): \(lines)")
            // Queries searched one at a time give the same run as concurrent workers (the default).
            let serial = try CLI.run(["search", "--index", data + "/" + index, "--queries", data + "/queries.jsonl", "--mode", mode,
                                      "--out", data + "/\(mode)-serial.trec", "--top-k", "3", "--parallel-queries", "1"])
            #expect(serial.status == 0, "\(mode): \(serial.stderr)")
            #expect(try String(contentsOfFile: data + "/\(mode)-serial.trec", encoding: .utf8)
                    == String(contentsOfFile: data + "/\(mode).trec", encoding: .utf8), "\(mode)")
        }
        let hybrid = try CLI.run(["search", "--index", data + "/dense", "--index", data + "/bm25", "--mode", "hybrid", "--hybrid", "dense,bm25",
                                  "--queries", data + "/queries.jsonl", "--out", data + "/h.trec"])
        #expect(hybrid.status == 0, "\(hybrid.stderr)")
        let eval = try CLI.run(["eval", "--run", data + "/bm25.trec", "--qrels", data + "/qrels/test.tsv", "--json"])
        #expect(eval.status == 0, "\(eval.stderr)")
        let json = try JSONValue.parse(Array(eval.stdout.utf8)).objectValue
        for key in ["ndcg@10", "recall@100", "mrr@10", "map@100", "p@10", "queries"] { #expect(json?[key] != nil, "missing \(key)") }
        // q2 ("a b") has no BM25 term (stop word, one-letter word): an empty ranking writes no lines, and
        // like pytrec_eval the mean covers the 2 queries present in the run.
        #expect(json?["queries"]?.intValue == 2)
        // BM25 puts d1 first for "hello" (the only document with the stem): MRR of q1 is 1.
        let q1 = try String(contentsOfFile: data + "/bm25.trec", encoding: .utf8).split(separator: "\n").first { $0.hasPrefix("q1 ") }
        #expect(q1?.split(separator: " ")[2] == "d1")
    }

    @Test func beirAndAdaptPrintJSON() throws {
        let data = TinyBEIR.make()
        let model = TinyModel.make()
        let r = try CLI.run(["beir", "--data", data, "--model", model, "--mode", "hybrid", "--hybrid", "xtr,bm25", "--json", "--index-dir", data + "/idx"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONValue.parse(Array(r.stdout.utf8)).objectValue
        for key in ["dataset", "mode", "queries", "ndcg@10", "recall@100", "mrr@10", "latency_ms", "encode_ms", "index_bytes", "build_seconds"] {
            #expect(json?[key] != nil, "missing \(key)")
        }
        #expect(json?["latency_ms"]?.objectValue?["p95"] != nil)
        let again = try CLI.run(["beir", "--data", data, "--model", model, "--mode", "xtr", "--index-dir", data + "/idx"])
        #expect(again.status == 0 && again.stderr.contains("reusing index"), "\(again.stderr)")
        let adapt = try CLI.run(["adapt", "--data", data, "--model", model, "--shots", "2", "--json", "--index-dir", data + "/idx"])
        #expect(adapt.status == 0, "\(adapt.stderr)")
        let a = try JSONValue.parse(Array(adapt.stdout.utf8)).objectValue
        #expect(a?["chosen"]?.stringValue != nil && a?["remaining_queries"]?.intValue == 1)
    }

    @Test func retrievalErrorsAreOneLine() throws {
        let data = TinyBEIR.make()
        let model = TinyModel.make()
        _ = try CLI.run(["index", "--model", model, "--corpus", data + "/corpus.jsonl", "--out", data + "/dense", "--kind", "dense", "--quiet"])
        let missing = try CLI.run(["search", "--index", data + "/nope", "--queries", data + "/queries.jsonl", "--mode", "bm25", "--out", data + "/r.trec"])
        #expect(missing.status != 0 && missing.stderr.contains("nope"), "\(missing.stderr)")
        let otherModel = try CLI.run(["search", "--index", data + "/dense", "--model", TinyModel.make(seed: 7), "--queries", data + "/queries.jsonl",
                                      "--mode", "dense", "--out", data + "/r.trec"])
        #expect(otherModel.status != 0 && otherModel.stderr.contains("index was built with model"), "\(otherModel.stderr)")
        #expect(otherModel.stderr.split(separator: "\n").count == 1)
        let wrongKind = try CLI.run(["search", "--index", data + "/dense", "--queries", data + "/queries.jsonl", "--mode", "xtr-exact", "--out", data + "/r.trec"])
        #expect(wrongKind.status != 0 && wrongKind.stderr.contains("expected a tokens index"), "\(wrongKind.stderr)")
        let wrongWARP = try CLI.run(["search", "--index", data + "/dense", "--queries", data + "/queries.jsonl", "--mode", "xtr", "--out", data + "/r.trec"])
        #expect(wrongWARP.status != 0 && wrongWARP.stderr.contains("compressed token index"), "\(wrongWARP.stderr)")
        _ = FileManager.default.createFile(atPath: data + "/bad.trec", contents: Data("q1 Q0 d1 1 0.5 t\nq1 Q0 d2 two 0.4 t\n".utf8))
        let badRun = try CLI.run(["eval", "--run", data + "/bad.trec", "--qrels", data + "/qrels/test.tsv"])
        #expect(badRun.status != 0 && badRun.stderr.contains(":2"), "\(badRun.stderr)")
        #expect(!FileManager.default.fileExists(atPath: data + "/r.trec"), "no run written on failure")
        let dup = CLI.folder()
        _ = FileManager.default.createFile(atPath: dup + "/c.jsonl", contents: Data("{\"_id\": \"a\", \"text\": \"x\"}\n{\"_id\": \"a\", \"text\": \"y\"}\n".utf8))
        let dupIndex = try CLI.run(["index", "--corpus", dup + "/c.jsonl", "--out", dup + "/i", "--kind", "bm25"])
        #expect(dupIndex.status != 0 && dupIndex.stderr.contains("duplicate document id"), "\(dupIndex.stderr)")
    }
}
