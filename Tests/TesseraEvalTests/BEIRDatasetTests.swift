import Foundation
import Testing
@testable import TesseraEval

struct BEIRDatasetTests {
    static let corpus = """
    {"_id": "d1", "title": "First", "text": "one", "metadata": {}}
    {"_id": "d2", "title": null, "text": "two"}

    {"_id": 3, "text": "three"}
    """
    static let queries = """
    {"_id": "q1", "text": "what is one"}
    {"_id": "q2", "text": "what is two"}
    {"_id": "q3", "text": "unjudged"}
    """

    func dataset(corpus: String = corpus, queries: String = queries,
                 qrels: String = "query-id\tcorpus-id\tscore\nq2\td2\t1\nq1\td1\t2\n") -> String {
        let folder = temporaryFolder()
        write(corpus, to: folder, "corpus.jsonl")
        write(queries, to: folder, "queries.jsonl")
        write(qrels, to: folder, "qrels/test.tsv")
        return folder
    }

    @Test func loadsCorpusQueriesAndQrels() throws {
        let folder = dataset()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let data = try BEIRDataset.load(folder: folder)
        #expect(data.corpus.ids == ["d1", "d2", "3"])
        #expect(data.corpus.titles == ["First", "", ""])
        #expect(data.corpus.texts == ["one", "two", "three"])
        #expect(data.corpus.position(of: "3") == 2)
        #expect(data.corpus.encodedText(0) == "First one")
        #expect(data.corpus.encodedText(1) == "two")
        #expect(data.queries.ids == ["q1", "q2", "q3"])
        #expect(data.queries.text(of: "q2") == "what is two")
        #expect(data.qrels.judgments == ["q2": ["d2": 1], "q1": ["d1": 2]])
        #expect(data.judgedQueryIDs == ["q1", "q2"])
        #expect(data.warnings.isEmpty)
        #expect(data.unknownDocumentJudgments == 0)
        let noQrels = try BEIRDataset.load(folder: folder, split: nil)
        #expect(noQrels.qrels.count == 0)
    }

    @Test func unknownDocumentsAndQueriesInQrelsAreWarningsNotErrors() throws {
        let folder = dataset(qrels: "q1\td1\t1\nq1\tgone\t1\nq9\td2\t1\nq9\tgone2\t0\n")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let data = try BEIRDataset.load(folder: folder)
        #expect(data.unknownDocumentJudgments == 2)
        #expect(data.unknownQueryJudgments == 2)
        #expect(data.warnings.count == 2)
        #expect(data.warnings[0].contains("2 judgment(s) name 2 documents not in corpus.jsonl (\"gone\", \"gone2\")"))
        #expect(data.warnings[1].contains("2 judgment(s) belong to 1 query not in queries.jsonl (\"q9\")"))
        // unknown documents stay in the qrels: they are relevant documents the system cannot find
        #expect(data.qrels.judgments["q1"]?["gone"] == 1)
        #expect(data.judgedQueryIDs == ["q1"])
    }

    @Test func badInputIsAnErrorNamingFileAndLine() throws {
        let good = Self.corpus
        let cases: [(corpus: String, queries: String, qrels: String?, expected: String)] = [
            (good + "\n{\"_id\": \"d1\", \"text\": \"again\"}", Self.queries, nil, "corpus.jsonl:5: duplicate _id \"d1\" (first at line 1)"),
            ("{\"_id\": \"\", \"text\": \"x\"}", Self.queries, nil, "corpus.jsonl:1: empty _id"),
            ("{\"text\": \"x\"}", Self.queries, nil, "corpus.jsonl:1: missing field \"_id\""),
            ("{\"_id\": \"a\", \"title\": \"t\"}", Self.queries, nil, "corpus.jsonl:1: missing field \"text\""),
            ("{\"_id\": \"a\", \"text\": 5}", Self.queries, nil, "corpus.jsonl:1: field \"text\" is not a string"),
            ("{\"_id\": \"a\", \"text\": \"x\", \"title\": 1}", Self.queries, nil, "corpus.jsonl:1: field \"title\" is not a string"),
            ("{\"_id\": [1], \"text\": \"x\"}", Self.queries, nil, "corpus.jsonl:1: field \"_id\" is not a string"),
            ("{\"_id\": \"a\", \"text\": \"x\"\n", Self.queries, nil, "corpus.jsonl:1: malformed JSON"),
            ("[1, 2]", Self.queries, nil, "corpus.jsonl:1: expected a JSON object"),
            ("\n  \n", Self.queries, nil, "corpus.jsonl: the corpus holds no documents"),
            (good, "{\"_id\": \"q1\", \"text\": \"a\"}\n{\"_id\": \"q1\", \"text\": \"b\"}", nil, "queries.jsonl:2: duplicate _id \"q1\" (first at line 1)"),
            (good, "{\"_id\": \"q1\"}", nil, "queries.jsonl:1: missing field \"text\""),
            (good, "", nil, "queries.jsonl: the file holds no queries"),
            (good, Self.queries, "q1\td1\n", "qrels/test.tsv:1: expected 3 fields"),
            (good, Self.queries, "q1\td1\t1\nq1\td2\tx1\n", "qrels/test.tsv:2: relevance \"x1\" is not an integer"),
            (good, Self.queries, "q1\td1\t1\nq1\td2\t0.5\n", "qrels/test.tsv:2: relevance \"0.5\" is not an integer"),
            (good, Self.queries, "query-id\tcorpus-id\tscore\n", "qrels/test.tsv holds no judgments"),
        ]
        for c in cases {
            let folder = dataset(corpus: c.corpus, queries: c.queries, qrels: c.qrels ?? "q1\td1\t1\n")
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let error = evalError { _ = try BEIRDataset.load(folder: folder) }
            #expect(error?.message.hasPrefix(folder + "/" + c.expected) == true, "\(c.expected) ← \(String(describing: error))")
            #expect(error?.message.contains("\n") == false)
        }
    }

    @Test func invalidUTF8AndMissingFilesAreErrors() throws {
        let folder = dataset()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(evalError { _ = try BEIRDataset.load(folder: folder, split: "dev") }?.message.contains("qrels/dev.tsv does not exist") == true)
        write([UInt8]("{\"_id\": \"a\", \"text\": \"".utf8) + [0xC3, 0x28] + [UInt8]("\"}\n".utf8), to: folder, "corpus.jsonl")
        let utf8 = evalError { _ = try BEIRDataset.load(folder: folder) }
        #expect(utf8?.code == .malformedJSON)
        #expect(utf8?.message.hasPrefix(folder + "/corpus.jsonl:1: invalid UTF-8") == true, "\(String(describing: utf8))")
        #expect(evalError { _ = try BEIRDataset.load(folder: folder + "/nowhere") }?.code == .missingFile)
    }

    @Test func corpusFromArraysChecksIds() {
        #expect(evalError { _ = try BEIRCorpus(ids: ["a", "a"], titles: ["", ""], texts: ["", ""]) }?.code == .duplicateIdentifier)
        #expect(evalError { _ = try BEIRCorpus(ids: [""], titles: [""], texts: [""]) }?.code == .emptyIdentifier)
        #expect(evalError { _ = try BEIRCorpus(ids: ["a"], titles: [], texts: ["x"]) }?.code == .invalidValue)
    }
}
