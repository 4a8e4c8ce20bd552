import Foundation
import TesseraIndex
import TesseraIO
import TesseraKernels
import TesseraModels
import TesseraSearch

/// WARP on SciFact, built from the float vectors of an exact `tokens` index: quality and latency against exact XTR.
enum SciFactBenchmark {
    struct Qrels {
        var relevant: [String: [String: Int]] = [:]
    }

    static func loadQrels(_ path: String) throws -> Qrels {
        var q = Qrels()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for (i, line) in text.split(separator: "\n").enumerated() where i > 0 {
            let f = line.split(separator: "\t")
            guard f.count >= 3, let score = Int(f[2]) else { continue }
            q.relevant[String(f[0]), default: [:]][String(f[1])] = score
        }
        return q
    }

    /// nDCG@10 and Recall@100 as trec_eval computes them (gains = relevance grades).
    static func metrics(ranking: [String], relevant: [String: Int]) -> (ndcg: Double, recall: Double) {
        var dcg = 0.0
        for (i, doc) in ranking.prefix(10).enumerated() {
            if let g = relevant[doc], g > 0 { dcg += Double(g) / log2(Double(i) + 2) }
        }
        let ideal = relevant.values.filter { $0 > 0 }.sorted(by: >).prefix(10)
        var idcg = 0.0
        for (i, g) in ideal.enumerated() { idcg += Double(g) / log2(Double(i) + 2) }
        let positives = relevant.values.filter { $0 > 0 }.count
        let found = ranking.prefix(100).filter { (relevant[$0] ?? 0) > 0 }.count
        return (idcg > 0 ? dcg / idcg : 0, positives > 0 ? Double(found) / Double(positives) : 0)
    }

    static func buildFromExact(exact: String, destination: String, parameters: WARPBuildParameters) throws
        -> (documents: Int, tokens: Int, bytes: Int, peakRSSBytes: Int, seconds: Double) {
        let start = now()
        let r = try WARPIndexBuilder.build(fromExactIndex: exact, destination: destination, parameters: parameters) {
            log("build: \($0) at \(String(format: "%.1f", now() - start)) s")
        }
        return (r.documents, r.tokens, r.bytes, r.peakRSSBytes, now() - start)
    }

    static func run(_ o: Options) throws {
        let exact = try o.require("exact-index")
        let data = try o.require("data")
        let modelFolder = try o.require("model")
        let outRoot = o.string("out") ?? "/tmp/tessera-warp"
        try FileManager.default.createDirectory(atPath: outRoot, withIntermediateDirectories: true)
        var build = WARPBuildParameters()
        build.bits = try o.int("bits") ?? 4
        build.centroids = try o.int("centroids")
        build.prune = try o.double("prune") ?? 1
        build.iterations = try o.int("iterations") ?? build.iterations
        build.samplePerCentroid = try o.int("sample-per-centroid") ?? build.samplePerCentroid
        let name = "scifact-warp-b\(build.bits)-k\(build.centroids.map(String.init) ?? "auto")-p\(build.prune)"
        let path = outRoot + "/" + name
        if o.has("rebuild") || !FileManager.default.fileExists(atPath: path + "/manifest.json") {
            let r = try buildFromExact(exact: exact, destination: path, parameters: build)
            print(json([("event", "build"), ("index", path), ("documents", r.documents), ("tokens", r.tokens), ("bytes", r.bytes),
                        ("peak_rss_bytes", r.peakRSSBytes), ("seconds", r.seconds)]))
        }
        let model = try EmbeddingModel(folder: modelFolder)
        var search = WARPSearchParameters()
        search.nProbe = try o.int("n-probe")
        search.tPrime = try o.int("t-prime")
        if let a = o.string("alignment") { search.alignment = Alignment(a) ?? .topK(1) }
        let aligner = o.has("aligner")
        let searcher = try WARPSearcher(path: path, model: model, mode: aligner ? .aligner : .xtr, parameters: search)
        let floatBytes = searcher.index.folder.manifest.counts["tokens_total"].map { $0 * searcher.index.dimension * 4 } ?? 0
        print(json([("event", "index"), ("index", path), ("bytes", WARPIndexBuilder.folderBytes(path)),
                    ("bytes_without_document_store", WARPIndexBuilder.folderBytes(path)),
                    ("codes_bytes", searcher.index.codes.count), ("float_bytes", floatBytes),
                    ("centroids", searcher.index.centroidCount), ("tokens", searcher.index.tokenCount)]))

        // Test queries, encoded once.
        let qrels = try loadQrels(data + "/qrels/test.tsv")
        let reader = try TextRecordReader(path: data + "/queries.jsonl")
        var queries: [(id: String, query: QueryTokens)] = []
        var encodeTimes: [Double] = []
        while let r = try reader.next() {
            guard let id = r.id, qrels.relevant[id] != nil else { continue }
            let t0 = now()
            guard case .tokens(let q) = try searcher.prepare(r.text) else { continue }
            encodeTimes.append((now() - t0) * 1000)
            queries.append((id, q))
        }
        let enc = latencyStats(encodeTimes)
        log("\(queries.count) queries encoded: mean \(enc.mean) ms")
        if let prefix = o.string("dump-queries") {
            var vectors: [Float] = [], offsets: [Int64] = [0], ids: [Int32] = []
            for q in queries { vectors += q.query.vectors; ids += q.query.tokenIds; offsets.append(Int64(ids.count)) }
            try vectors.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: prefix + ".f32")) }
            try offsets.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: prefix + ".offsets.i64")) }
            try queries.map(\.id).joined(separator: "\n").write(toFile: prefix + ".ids.txt", atomically: true, encoding: .utf8)
        }
        let docNames = searcher.documentIDs

        func evaluate(_ label: String, extra: [(String, Any)], _ body: (QueryTokens) throws -> [ScoredDocument]) rethrows {
            var times: [Double] = [], cpu: [Double] = []
            var ndcg = 0.0, recall = 0.0
            for (i, q) in queries.enumerated() {
                if i < 3 { _ = try body(q.query) }  // warm-up
                let t0 = now(), c0 = threadCPU()
                let results = try body(q.query)
                times.append((now() - t0) * 1000)
                cpu.append((threadCPU() - c0) * 1000)
                let m = metrics(ranking: results.map { docNames[Int($0.document)] }, relevant: qrels.relevant[q.id] ?? [:])
                ndcg += m.ndcg
                recall += m.recall
            }
            let s = latencyStats(times), c = latencyStats(cpu)
            let total = latencyStats(zip(encodeTimes, times).map { $0 + $1 })  // encode + search of the same query
            print(json([("event", "eval"), ("method", label)] + extra + [
                ("search_cpu_ms_mean", c.mean), ("search_cpu_ms_p50", c.p50), ("search_cpu_ms_p95", c.p95),
                ("ndcg@10", ndcg / Double(queries.count)), ("recall@100", recall / Double(queries.count)),
                ("search_ms_mean", s.mean), ("search_ms_p50", s.p50), ("search_ms_p95", s.p95),
                ("encode_ms_mean", enc.mean), ("encode_ms_p50", enc.p50), ("encode_ms_p95", enc.p95),
                ("total_ms_mean", total.mean), ("total_ms_p50", total.p50), ("total_ms_p95", total.p95),
                ("queries", queries.count)]))
        }

        if o.has("exact") {
            var options = SearchOptions()
            options.parameters.kPrime = try o.int("k-prime") ?? 1000
            options.parameters.alignment = search.alignment
            options.beta = build.prune
            let exactSearcher = try TokenSearcher(path: exact, model: model, mode: aligner ? .aligner : .xtr, options: options,
                                                  verifyChecksums: false)
            try evaluate(aligner ? "aligner-exact" : "xtr-exact", extra: [("k_prime", options.parameters.kPrime), ("beta", build.prune)]) { q in
                try exactSearcher.search(.tokens(q), topK: 100)
            }
        }
        let probes: [Int] = o.has("sweep") ? (try o.ints("n-probes") ?? [4, 8, 16, 32, 64])
            : [search.nProbe ?? WARPSearchParameters.defaultNProbe(prune: searcher.index.prune)]
        let tPrimes: [Int?] = o.has("sweep") ? (try o.ints("t-primes") ?? [2500, 5000, 10000, 20000, 40000]) : [search.tPrime]
        let threadList = try o.ints("threads") ?? [1]
        for threads in threadList {
            for p in probes {
                for t in tPrimes {
                    var s = search
                    s.nProbe = p
                    s.tPrime = t
                    s.threads = threads
                    let engine = searcher.engine
                    evaluate(aligner ? "aligner-warp" : "xtr-warp",
                                 extra: [("bits", build.bits), ("centroids", searcher.index.centroidCount), ("beta", build.prune),
                                         ("n_probe", p), ("t_prime", t ?? WARPSearchParameters.defaultTPrime(tokens: searcher.index.tokenCount, prune: searcher.index.prune)),
                                         ("threads", threads), ("alignment", s.alignment.description)]) { q in
                        aligner ? engine.searchAligner(q, topK: 100, parameters: s) : engine.searchXTR(q, topK: 100, parameters: s)
                    }
                }
            }
        }
    }
}
