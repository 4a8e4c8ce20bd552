import Foundation
import Testing
@testable import TesseraEval

struct TRECRunTests {
    @Test func readsRunsInFileOrderAndSkipsBlankAndCommentLines() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = write("""
        # a comment
        q2 Q0 d1 1 2.5 bm25

        q1\tQ0\td9 1 -1e-3 bm25
        q1 Q0 d8   2 -0.5 last\r
        """, to: folder, "run.trec")
        let run = try TRECRun.read(path: path)
        #expect(run.queryIDs == ["q2", "q1"])
        #expect(run.rankings["q1"]!.map(\.docID) == ["d9", "d8"])
        #expect(run.rankings["q1"]!.map(\.score) == [-0.001, -0.5])
        #expect(run.tag == "last")
        #expect(run.count == 3)
    }

    @Test func malformedLinesNameTheLine() {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let cases: [(String, String)] = [
            ("q1 Q0 d1 1 0.5 tag\nq1 Q0 d2 2 0.4\n", "run.trec:2: expected 6 fields"),
            ("q1 Q0 d1 1 0.5 tag extra\n", "run.trec:1: expected 6 fields"),
            ("q1 Q0 d1 one 0.5 tag\n", "run.trec:1: rank \"one\" is not an integer"),
            ("q1 Q0 d1 1 high tag\n", "run.trec:1: score \"high\" is not a number"),
            ("q1 Q0 d1 1 nan tag\n", "run.trec:1: score \"nan\" is not a number"),
            ("\n\nq1 Q0 d1 1 0.5 t\nq1 Q0 d1 2 0.4 t\n", "run.trec:4: document \"d1\" appears twice for query \"q1\" (first at line 3)"),
        ]
        for (text, message) in cases {
            let path = write(text, to: folder, "run.trec")
            let error = evalError { _ = try TRECRun.read(path: path) }
            #expect(error?.message.hasPrefix(path.replacingOccurrences(of: "run.trec", with: "") + message) == true, "\(String(describing: error))")
        }
        let utf8 = write([UInt8]("q1 Q0 d".utf8) + [0xFF] + [UInt8](" 1 0.5 t\n".utf8), to: folder, "bad.trec")
        #expect(evalError { _ = try TRECRun.read(path: utf8) }?.message == "\(utf8):1: invalid UTF-8")
        #expect(evalError { _ = try TRECRun.read(path: folder + "/absent.trec") }?.code == .missingFile)
    }

    @Test func duplicatesCanKeepTheHighestScore() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = write("q Q0 a 1 1 t\nq Q0 b 2 0.5 t\nq Q0 a 3 2 t\nq Q0 a 4 0 t\n", to: folder, "run.trec")
        let run = try TRECRun.read(path: path, duplicates: .keepHighestScore)
        #expect(run.rankings["q"]!.map(\.docID) == ["a", "b"])
        #expect(run.rankings["q"]!.map(\.score) == [2, 0.5])
    }

    @Test func writesInEvaluationOrderAndReadsBackExactly() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let scores = [0.1, 1.0 / 3, 1e-300, -2.5e21, 0.30000001192092896, 7]
        let ranking: Ranking = scores.enumerated().map { ("d\($0.offset)", $0.element) } + [("d9", 0.1)]
        let path = folder + "/out.trec"
        try TRECRun(rankings: ["b": ranking, "a": [("x", 1)]], queryIDs: ["b"]).write(to: path, tag: "mine")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n")
        #expect(lines.first == "b Q0 d5 1 7.0 mine")
        // the 0.1 tie: d9 before d0 (descending id), ranks consecutive
        #expect(lines.contains("b Q0 d9 4 0.1 mine"))
        #expect(lines.contains("b Q0 d0 5 0.1 mine"))
        #expect(lines.last == "a Q0 x 1 1.0 mine")
        let back = try TRECRun.read(path: path)
        #expect(back.queryIDs == ["b", "a"])
        #expect(Dictionary(uniqueKeysWithValues: back.rankings["b"]!.map { ($0.docID, $0.score) })
            == Dictionary(uniqueKeysWithValues: ranking.map { ($0.docID, $0.score) }))
        // depth cuts each query to its top entries
        try TRECRun(rankings: ["b": ranking]).write(to: path, depth: 2)
        #expect(try TRECRun.read(path: path).rankings["b"]!.map(\.docID) == ["d5", "d1"])
    }

    @Test func failedWritesLeaveNothingBehind() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = write("previous\n", to: folder, "out.trec")
        for bad in [["q 1": [("d", 1.0)]], ["q": [("d d", 1.0)]], ["q": [("d", Double.nan)]], ["#q": [("d", 1.0)]]] as [Run] {
            #expect(evalError { try TRECRun(rankings: bad).write(to: path) }?.code == .invalidValue)
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "previous\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["out.trec"])
        #expect(evalError { try TRECRun(rankings: [:]).write(to: folder + "/missing/out.trec") } != nil)
    }
}

struct QrelsTests {
    @Test func readsBEIRWithAndWithoutHeaderAndTRECQrels() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let beir = try Qrels.load(path: write("query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\t0\n\nq2\td1\t2\n", to: folder, "a.tsv"))
        #expect(beir.judgments == ["q1": ["d1": 1, "d2": 0], "q2": ["d1": 2]])
        #expect(beir.queryIDs == ["q1", "q2"])
        #expect(beir.count == 3)
        let bare = try Qrels.load(path: write("q1\td1\t1\nq2 d3 -1\n", to: folder, "b.tsv"))
        #expect(bare.judgments == ["q1": ["d1": 1], "q2": ["d3": -1]])
        let trec = try Qrels.load(path: write("q1 0 d1 1\nq1 0 d2 3\n", to: folder, "c.qrels"))
        #expect(trec.judgments == ["q1": ["d1": 1, "d2": 3]])
        let repeated = try Qrels.load(path: write("q1\td1\t1\nq1\td1\t1\n", to: folder, "d.tsv"))
        #expect(repeated.count == 1)
        #expect(repeated.warnings.count == 1)
    }

    @Test func malformedLinesNameTheLine() {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let cases: [(String, String)] = [
            ("query-id\tcorpus-id\tscore\nq1\td1\n", ":2: expected 3 fields"),
            ("q1\td1\t1.5\n", ":1: relevance \"1.5\" is not an integer"),
            ("q1\td1\t1\nq1\td2\tyes\n", ":2: relevance \"yes\" is not an integer"),
            ("q1\t\t1\n", ":1: empty document id"),
            ("\tx\t1\n", ":1: empty query id"),
            ("q1\td1\t1\nq1\td1\t2\n", ":2: query \"q1\" judges document \"d1\" twice with different relevance (1 at line 1, 2 here)"),
        ]
        for (text, message) in cases {
            let path = write(text, to: folder, "q.tsv")
            let error = evalError { _ = try Qrels.load(path: path) }
            #expect(error?.message == path + message || error?.message.hasPrefix(path + message) == true, "\(String(describing: error))")
        }
    }
}
