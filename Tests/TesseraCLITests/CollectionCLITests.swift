import Foundation
import Testing
import TesseraIO
import TesseraTestSupport

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
        _ = try ok(["create", "--path", path, "--model", model])
        _ = try ok(["add", "--path", path, "--documents", data + "/corpus.jsonl", "--batch-size", "3"])
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
        _ = try ok(["delete", "--path", path, "--id", "d1"])
        let hits = try ok(["search", "--path", path, "--query", "hello", "--mode", "dense-exact", "--k", "10"]).stdout
        #expect(!hits.contains("\"id\":\"d1\"") && hits.contains("\"id\":\"d9\""))
        _ = try ok(["merge", "--path", path])
        let evaluation = try JSONValue.parse(Array(try ok(["eval", "--path", path, "--data", data, "--mode", "bm25"]).stdout.utf8)).objectValue
        #expect(evaluation?["queries"]?.intValue == 3 && evaluation?["segments"]?.intValue == 1 && evaluation?["documents"]?.intValue == 4)
        let missing = try CLI.run(["collection", "search", "--path", data + "/nope", "--query", "a"])
        #expect(missing.status != 0 && missing.stderr.contains("is not a collection"), "\(missing.stderr)")
    }
}
