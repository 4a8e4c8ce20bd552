import Foundation
import TesseraIndex
import TesseraIO
import TesseraKernels
import TesseraSearch

/// Deterministic clustered token vectors: each token is a random topic centre plus Gaussian noise, normalised.
struct SyntheticTokens {
    let dimension: Int
    let centres: [Float]
    let topics: Int
    var rng: SplitMix64
    let sigma: Float

    init(dimension: Int, topics: Int = 4096, seed: UInt64) {
        self.dimension = dimension
        self.topics = topics
        var r = SplitMix64(seed: seed)
        var c = [Float](repeating: 0, count: topics * dimension)
        for t in 0..<topics {
            var norm: Float = 0
            for j in 0..<dimension { let g = SyntheticTokens.gaussian(&r); c[t * dimension + j] = g; norm += g * g }
            norm = norm.squareRoot()
            for j in 0..<dimension { c[t * dimension + j] /= norm }
        }
        centres = c
        rng = SplitMix64(seed: seed ^ 0xA5A5_A5A5)
        sigma = 0.6 / Float(dimension).squareRoot()
    }

    static func gaussian(_ r: inout SplitMix64) -> Float {
        let u1 = max(Double(r.next() >> 11) / Double(1 << 53), 1e-300), u2 = Double(r.next() >> 11) / Double(1 << 53)
        return Float((-2 * Foundation.log(u1)).squareRoot() * cos(2 * .pi * u2))
    }

    /// Fills `count` tokens; a document draws its tokens from a handful of topics.
    mutating func fill(_ out: UnsafeMutablePointer<Float>, count: Int, topicsPerDocument: Int = 8) {
        let d = dimension
        let own = (0..<topicsPerDocument).map { _ in Int(rng.next() % UInt64(topics)) }
        for t in 0..<count {
            let topic = own[Int(rng.next() % UInt64(own.count))]
            var norm: Float = 0
            for j in 0..<d {
                let v = centres[topic * d + j] + sigma * SyntheticTokens.gaussian(&rng)
                out[t * d + j] = v
                norm += v * v
            }
            let inv = 1 / norm.squareRoot()
            for j in 0..<d { out[t * d + j] *= inv }
        }
    }
}

enum ScaleBenchmark {
    static func run(_ o: Options) throws {
        let tokens = try o.int("tokens") ?? 1_000_000
        let d = try o.int("dim") ?? 128
        let docTokens = try o.int("doc-tokens") ?? 100
        let out = o.string("out") ?? "/tmp/tessera-warp-scale/tokens-\(tokens)-d\(d)"
        let seed = UInt64(try o.int("seed") ?? 7)
        try FileManager.default.createDirectory(atPath: (out as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        var parameters = WARPBuildParameters()
        parameters.bits = try o.int("bits") ?? 4
        parameters.centroids = try o.int("centroids")
        parameters.threads = try o.int("threads") ?? parameters.threads
        parameters.seed = seed
        var generator = SyntheticTokens(dimension: d, seed: seed)
        let start = now()
        let builder = try WARPIndexBuilder(destination: out, dimension: d, parameters: parameters)
        builder.progress = { log("build: \($0)") }
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: docTokens * d)
        defer { buffer.deallocate() }
        var added = 0, doc = 0
        while added < tokens {
            let n = min(docTokens, tokens - added)
            generator.fill(buffer, count: n)
            try builder.add(documentID: "d\(doc)", vectors: UnsafeBufferPointer(start: buffer, count: n * d),
                            tokenIds: (0..<n).map { Int32(($0 * 7 + doc) % 30000) })
            added += n
            doc += 1
            if o.has("slow") { usleep(200) }
        }
        let generated = now()
        let report = try builder.finish(model: .null, parameters: JSONObject(), titles: nil, texts: nil)
        let built = now()
        var fields: [(String, Any)] = [("tokens", tokens), ("dim", d), ("documents", report.documents),
                                       ("build_seconds", built - start), ("generate_and_spill_seconds", generated - start),
                                       ("peak_rss_bytes", report.peakRSSBytes), ("peak_anonymous_bytes_sampled", builder.peakAnonymousBytes), ("index_bytes", report.bytes),
                                       ("float_bytes", tokens * d * 4), ("bits", parameters.bits)]
        if !o.has("no-search") {
            let index = try WARPIndex(path: out, verifyChecksums: false)
            let engine = WARPEngine(index: index)
            fields.append(("centroids", index.centroidCount))
            var search = WARPSearchParameters()
            search.nProbe = try o.int("n-probe") ?? search.nProbe
            search.tPrime = try o.int("t-prime")
            let queries = try o.int("queries") ?? 100
            var qgen = SyntheticTokens(dimension: d, seed: seed)
            qgen.rng = SplitMix64(seed: seed &+ 99)
            var times: [Double] = [], cpu: [Double] = []
            let qTokens = 32
            let q = UnsafeMutablePointer<Float>.allocate(capacity: qTokens * d)
            defer { q.deallocate() }
            for i in 0..<(queries + 5) {
                qgen.fill(q, count: qTokens, topicsPerDocument: 4)
                let query = QueryTokens(vectors: Array(UnsafeBufferPointer(start: q, count: qTokens * d)),
                                        tokenIds: [Int32](repeating: 1, count: qTokens), dimension: d)
                let t0 = now(), c0 = threadCPU()
                _ = engine.searchXTR(query, topK: 100, parameters: search)
                if i >= 5 { times.append((now() - t0) * 1000); cpu.append((threadCPU() - c0) * 1000) }
            }
            let s = latencyStats(times), c = latencyStats(cpu)
            fields += [("cpu_ms_mean", c.mean), ("cpu_ms_p50", c.p50), ("cpu_ms_p95", c.p95),("query_tokens", qTokens), ("n_probe", search.nProbe ?? WARPSearchParameters.defaultNProbe(prune: 1)),
                       ("t_prime", search.tPrime ?? WARPSearchParameters.defaultTPrime(tokens: index.tokenCount)),
                       ("latency_ms_mean", s.mean), ("latency_ms_p50", s.p50), ("latency_ms_p95", s.p95),
                       ("peak_rss_bytes_after_search", WARPIndexBuilder.peakRSSBytes())]
        }
        print(json(fields))
    }
}
