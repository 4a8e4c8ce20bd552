import Foundation
import Testing
import TesseraIO
import TesseraTestSupport

/// One spelling per idea across commands: `--out` for every output (old names kept as aliases), enums for closed sets
/// of values (listed by `--help`, a wrong one refused by name), `--json` summaries that parse, and a flag that the
/// chosen mode or kind would ignore refused instead of silently dropped.
@Suite(.serialized) struct CLIConsistencyTests {
    func json(_ r: CLI.Result) -> JSONObject? { (try? JSONValue.parse(string: r.stdout))?.objectValue }

    @Test func outputsAreOutEverywhereAndSummariesAreJSON() throws {
        let data = TinyBEIR.make()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let model = TinyModel.make()
        let embedded = try CLI.run(["embed", "--model", model, "--input", data + "/corpus.jsonl", "--out", data + "/v.npy", "--json"])
        #expect(embedded.status == 0, "\(embedded.stderr)")
        #expect(json(embedded)?["texts"]?.intValue == 4 && json(embedded)?["out"]?.stringValue == data + "/v.npy", "\(embedded.stdout)")
        let old = try CLI.run(["embed", "--model", model, "--input", data + "/corpus.jsonl", "--output", data + "/w.npy", "--quiet"])
        #expect(old.status == 0 && FileManager.default.contents(atPath: data + "/w.npy") == FileManager.default.contents(atPath: data + "/v.npy"))

        // nearest --json: one line per neighbour, best first.
        let nearest = try CLI.run(["nearest", "--model", model, "--corpus", data + "/corpus.jsonl", "--query", "hello", "--top-k", "3", "--json"])
        let lines = nearest.stdout.split(separator: "\n").compactMap { (try? JSONValue.parse(string: String($0)))?.objectValue }
        #expect(nearest.status == 0 && lines.count == 3 && lines.map { $0["rank"]?.intValue } == [1, 2, 3], "\(nearest.stdout) \(nearest.stderr)")
        #expect(zip(lines, lines.dropFirst()).allSatisfy { ($0["score"]?.doubleValue ?? 0) >= ($1["score"]?.doubleValue ?? 0) } && lines[0]["id"]?.stringValue != nil)

        let indexed = try CLI.run(["index", "--corpus", data + "/corpus.jsonl", "--out", data + "/bm25", "--kind", "bm25", "--json"])
        #expect(indexed.status == 0 && json(indexed)?["documents"]?.intValue == 4 && json(indexed)?["kind"]?.stringValue == "bm25",
                "\(indexed.stdout) \(indexed.stderr)")
        let searched = try CLI.run(["search", "--index", data + "/bm25", "--queries", data + "/queries.jsonl", "--mode", "bm25",
                                    "--out", data + "/r.trec", "--json"])
        #expect(searched.status == 0 && json(searched)?["queries"]?.intValue == 3, "\(searched.stdout) \(searched.stderr)")

        // beir writes its run with --out, or --run as before; its --json is escaped (a quote in the folder's name).
        let parent = CLI.folder()
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let quoted = parent + "/a \"quoted\" set"
        try FileManager.default.copyItem(atPath: data, toPath: quoted)
        let beir = try CLI.run(["beir", "--data", quoted, "--mode", "bm25", "--json", "--out", data + "/beir.trec", "--index-dir", data + "/idx"])
        #expect(beir.status == 0, "\(beir.stderr)")
        #expect(json(beir)?["dataset"]?.stringValue == "a \"quoted\" set" && json(beir)?["queries"]?.intValue == 3, "\(beir.stdout)")
        #expect(FileManager.default.fileExists(atPath: data + "/beir.trec"))
        let beirRun = try CLI.run(["beir", "--data", data, "--mode", "bm25", "--run", data + "/old.trec", "--index-dir", data + "/idx"])
        #expect(beirRun.status == 0 && FileManager.default.fileExists(atPath: data + "/old.trec"), "\(beirRun.stderr)")

        let pairs = try CLI.run(["pairs", "--data", data, "--split", "test", "--out", data + "/pairs.jsonl", "--json"])
        #expect(pairs.status == 0 && json(pairs)?["pairs"]?.intValue == 4, "\(pairs.stdout) \(pairs.stderr)")
    }

    @Test func closedSetsAreEnumsAndIgnoredFlagsAreErrors() throws {
        let data = TinyBEIR.make()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let help = try CLI.run(["search", "--help"])
        #expect(help.stdout.contains("aligner-exact") && help.stdout.contains("rrf") && help.stdout.contains("score"), "\(help.stdout)")
        let embedHelp = try CLI.run(["embed", "--help"])
        #expect(embedHelp.stdout.contains("mean") && embedHelp.stdout.contains("cls"))
        let indexHelp = try CLI.run(["index", "--help"])
        #expect(indexHelp.stdout.contains("dense") && indexHelp.stdout.contains("tokens") && indexHelp.stdout.contains("bm25"))

        func refused(_ arguments: [String], _ fragments: [String]) throws {
            let r = try CLI.run(arguments)
            #expect(r.status != 0, "accepted: \(arguments)")
            for fragment in fragments { #expect(r.stderr.contains(fragment), "\(arguments): \(r.stderr)") }
        }
        let trainHelp = try CLI.run(["train", "--help"])
        #expect(["aligner", "colbert", "gecko", "pca", "random"].allSatisfy(trainHelp.stdout.contains), "\(trainHelp.stdout)")
        let train = ["train", "--model", "none", "--data", data + "/none.jsonl", "--out", data + "/t"]
        try refused(train + ["--loss", "triplet"], ["triplet", "aligner"])
        try refused(train + ["--head-init", "zeros"], ["zeros", "pca"])
        try refused(train + ["--format", "chat"], ["chat", "gecko"])
        let search = ["search", "--index", data + "/none", "--queries", data + "/queries.jsonl", "--out", data + "/r.trec"]
        try refused(search + ["--mode", "nope"], ["nope", "aligner-exact"])
        try refused(search + ["--mode", "aligner", "--prune", "0.5"], ["--prune does not apply to --mode aligner", "tessera index --prune"])
        try refused(search + ["--mode", "xtr", "--k-prime", "10"], ["--k-prime does not apply to --mode xtr", "xtr-exact"])
        try refused(search + ["--mode", "bm25", "--n-probe", "4"], ["--n-probe does not apply to --mode bm25"])
        try refused(search + ["--mode", "dense", "--fusion", "score"], ["--fusion does not apply to --mode dense"])
        try refused(search + ["--mode", "hybrid", "--hybrid", "dense,bm25", "--t-prime", "5"], ["--t-prime does not apply to --mode hybrid (dense,bm25)"])
        try refused(search + ["--mode", "hybrid", "--weight", "0.3"], ["--weight applies to --fusion score"])
        try refused(search + ["--mode", "bm25", "--fusion", "max"], ["max"])
        let index = ["index", "--corpus", data + "/corpus.jsonl", "--out", data + "/i"]
        try refused(index + ["--kind", "bm25", "--bits", "2"], ["--bits does not apply to --kind bm25"])
        try refused(index + ["--kind", "bm25", "--no-hnsw"], ["--no-hnsw does not apply to --kind bm25"])
        try refused(index + ["--kind", "vectors"], ["vectors"])
        try refused(["embed", "--model", "m", "--input", "x", "--out", data + "/x.npy", "--pooling", "sum"], ["sum"])
        try refused(["beir", "--data", data, "--mode", "bm25", "--alignment", "k4"], ["--alignment does not apply to --mode bm25"])
        // A hybrid accepts a flag that one of its two modes uses; beir, which builds its indexes, accepts --prune for aligner.
        let hybrid = try CLI.run(["search", "--index", data + "/none", "--index", data + "/none2", "--queries", data + "/queries.jsonl", "--out",
                                  data + "/r.trec", "--mode", "hybrid", "--hybrid", "dense,bm25", "--k1", "1.2", "--ef-search", "20"])
        #expect(!hybrid.stderr.contains("does not apply"), "\(hybrid.stderr)")
        let beirPrune = try CLI.run(["beir", "--data", data, "--mode", "aligner", "--prune", "0.5", "--model", data + "/none"])
        #expect(!beirPrune.stderr.contains("does not apply"), "\(beirPrune.stderr)")
    }
}
