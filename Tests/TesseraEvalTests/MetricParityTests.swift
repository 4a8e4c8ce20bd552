import Foundation
import Testing
import TesseraIO
@testable import TesseraEval

/// Every per-query value and every mean of the committed pytrec_eval fixture
/// (`Scripts/make_metrics_fixture.py`), within 1e-9.
struct MetricParityTests {
    struct Case {
        var name: String
        var relevanceLevel: Int
        var metrics: [Metric]
        var qrels: Qrels
        var run: Run
        var runOrder: [String]
        var expected: [String: [String: Double]]
        var means: [String: Double]
    }

    struct FixtureError: Error { var what: String }

    static func need<T>(_ value: T?, _ what: String) throws -> T {
        guard let value else { throw FixtureError(what: "fixture: bad \(what)") }
        return value
    }

    static func loadCases() throws -> [Case] {
        let url = try #require(Bundle.module.url(forResource: "metrics_parity", withExtension: "json", subdirectory: "Fixtures"))
        let root = try JSONValue.parse(try Data(contentsOf: url))
        let cases = try #require(root["cases"]?.arrayValue)
        return try cases.map { c in
            let ks = try #require(c["k"]?.arrayValue).compactMap(\.intValue)
            var qrels: [String: [String: Int]] = [:]
            for (q, docs) in try #require(c["qrels"]?.objectValue).entries {
                var judged: [String: Int] = [:]
                for (d, rel) in try #require(docs.objectValue).entries { judged[d] = try Self.need(rel.intValue, "relevance") }
                qrels[q] = judged
            }
            var run: Run = [:]
            var order: [String] = []
            for (q, ranking) in try #require(c["run"]?.objectValue).entries {
                order.append(q)
                run[q] = try #require(ranking.arrayValue).map { pair in
                    let p = try #require(pair.arrayValue)
                    return (try #require(p[0].stringValue), try #require(p[1].doubleValue))
                }
            }
            var expected: [String: [String: Double]] = [:]
            for (q, values) in try #require(c["expected"]?.objectValue).entries {
                var v: [String: Double] = [:]
                for (name, x) in try #require(values.objectValue).entries { v[name] = try Self.need(x.doubleValue, name) }
                expected[q] = v
            }
            var means: [String: Double] = [:]
            for (name, x) in try #require(c["means"]?.objectValue).entries { means[name] = try Self.need(x.doubleValue, name) }
            return Case(name: try #require(c["name"]?.stringValue),
                        relevanceLevel: try #require(c["relevance_level"]?.intValue),
                        metrics: ks.flatMap { Metric.all(at: $0) }, qrels: Qrels(qrels), run: run, runOrder: order,
                        expected: expected, means: means)
        }
    }

    /// Compares an evaluation with the fixture; returns (values compared, largest difference).
    static func compare(_ result: Evaluation, _ c: Case, queries: Set<String>? = nil) -> (Int, Double) {
        var compared = 0
        var worst = 0.0
        for (q, values) in c.expected where queries?.contains(q) ?? true {
            for metric in c.metrics {
                guard let want = values[metric.name], let got = result.value(metric, query: q) else {
                    Issue.record("\(c.name): \(q) \(metric.name) missing")
                    continue
                }
                let diff = abs(got - want)
                worst = max(worst, diff)
                compared += 1
                #expect(diff <= 1e-9, "\(c.name): query \(q) \(metric.name): \(got) vs pytrec_eval \(want)")
            }
        }
        return (compared, worst)
    }

    @Test func fixtureCoversTheRequiredSituations() throws {
        let cases = try Self.loadCases()
        #expect(cases.count >= 6)
        #expect(Set(cases.flatMap { $0.metrics.map(\.k) }) == [1, 3, 5, 10, 100, 1000])
        #expect(cases.contains { $0.relevanceLevel == 2 })
        #expect(cases.contains { c in c.run.values.contains { $0.isEmpty } })
        #expect(cases.contains { c in c.run.values.contains { Set($0.map(\.docID)).count < $0.count } })
        #expect(cases.contains { c in c.qrels.queryIDs.contains { c.run[$0] == nil } })
        #expect(cases.contains { c in c.run.keys.contains { c.qrels[$0] == nil } })
    }

    @Test func everyPerQueryValueAndMeanMatchesPytrecEval() throws {
        var compared = 0
        var worst = 0.0
        var meansCompared = 0
        for c in try Self.loadCases() {
            let result = Evaluator(qrels: c.qrels, relevanceLevel: c.relevanceLevel).evaluate(c.run, metrics: c.metrics)
            #expect(Set(result.queryIDs) == Set(c.expected.keys), "\(c.name): evaluated queries")
            let (n, w) = Self.compare(result, c)
            compared += n
            worst = max(worst, w)
            for metric in c.metrics {
                let want = try #require(c.means[metric.name])
                let got = try #require(result.mean(metric))
                worst = max(worst, abs(got - want))
                meansCompared += 1
                #expect(abs(got - want) <= 1e-9, "\(c.name): mean \(metric.name): \(got) vs pytrec_eval \(want)")
            }
        }
        print("metric parity: \(compared) per-query values and \(meansCompared) means compared, max |difference| = \(worst)")
        #expect(compared >= 2000)
    }

    /// The same cases through the file formats: run written as TREC and qrels as BEIR TSV, read back.
    /// Queries with empty rankings have no line in a run file, so they drop out.
    @Test func roundTripThroughFilesGivesTheSameValues() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for c in try Self.loadCases() {
            let runPath = folder + "/\(c.name).trec"
            try TRECRun(rankings: c.run, queryIDs: c.runOrder).write(to: runPath, tag: "fixture")
            var tsv = "query-id\tcorpus-id\tscore\n"
            for q in c.qrels.queryIDs { for (d, r) in c.qrels.judgments[q]! { tsv += "\(q)\t\(d)\t\(r)\n" } }
            let qrelsPath = write(tsv, to: folder, "\(c.name).tsv")
            let run = try TRECRun.read(path: runPath, duplicates: .keepHighestScore)
            let qrels = try Qrels.load(path: qrelsPath)
            let result = Evaluator(qrels: qrels, relevanceLevel: c.relevanceLevel).evaluate(run.rankings, metrics: c.metrics)
            let kept = Set(c.expected.keys.filter { !(c.run[$0]?.isEmpty ?? true) })
            #expect(Set(result.queryIDs) == kept, "\(c.name)")
            _ = Self.compare(result, c, queries: kept)
        }
    }
}
