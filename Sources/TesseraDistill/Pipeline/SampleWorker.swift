import Foundation
import TesseraIO
import TesseraKernels

/// Both stages for one sampled passage, giving its log line.
struct SampleWorker: Sendable {
    let distiller: Distiller
    let scoring: RelabelScoring
    let alignment: EchoAlignment

    func process(sample: Int, position: Int) async throws -> JSONValue {
        let d = distiller
        let options = d.options
        // Per-sample randomness from the run's seed, so the line does not depend on the order samples finish in.
        var random = SplitMix64(seed: options.seed ^ (UInt64(sample) &* 0x9E37_79B9_7F4A_7C15))
        let family = options.families[Int(random.next() % UInt64(options.families.count))]
        let seedPassage = d.passage(position)
        var generator = QueryGenerator(client: d.client, prompts: d.prompts)
        generator.temperature = options.generationTemperature
        generator.maximumTokens = options.generationMaximumTokens
        let (answer, parsed) = try await generator.generate(passage: seedPassage, family: family, seed: random.next())
        func dropped(_ reason: String) -> JSONValue {
            .object(JSONObject([("sample", .number(Double(sample))), ("seed_id", .string(d.id(position))),
                                ("family", .string(family.name)), ("dropped", .string(reason)), ("answer", .string(answer))]))
        }
        let generated: GeneratedQuery
        switch parsed {
        case .failure(let failure): return dropped("parse_" + failure.rawValue)
        case .success(let g): generated = g
        }
        if let reason = options.filter.reject(generated.query, passage: d.corpus[position].encodedText) { return dropped(reason.rawValue) }
        // A small model sometimes answers with a few-shot example's query instead of one for this passage.
        if d.prompts.examples.contains(where: { QueryFilter.words($0.query) == QueryFilter.words(generated.query) }) {
            return dropped(FilterReason.exampleCopy.rawValue)
        }
        let task = generated.task ?? family.defaultTask

        // Stage 2: neighbours of task + query, each scored by the LLM.
        let retrieved = try d.retrieve(task + " " + generated.query, options.neighbours)
        var candidates = retrieved.enumerated().map { Candidate(document: Int($0.element.document), retrievalRank: $0.offset + 1, retrievalScore: $0.element.score) }
        let seedRetrieved = candidates.contains { $0.document == position }
        if !seedRetrieved && options.includeSeed { candidates.append(Candidate(document: position, retrievalRank: nil, retrievalScore: nil)) }
        for c in candidates where !(0..<d.corpus.count).contains(c.document) {
            throw DistillError(.invalidArgument, "the retriever returned position \(c.document), outside the corpus of \(d.corpus.count)")
        }
        var likelihood = QueryLikelihood(client: d.client, alignment: alignment)
        likelihood.alternatives = options.likelihoodAlternatives
        let scorer = likelihood
        let scores = try await withThrowingTaskGroup(of: (Int, QueryLikelihood.Score?, (Double, Double, Double)?).self) { group in
            for (i, candidate) in candidates.enumerated() where scoring != .retrieverOnly {
                let passage = d.passage(candidate.document)
                group.addTask {
                    var ql: QueryLikelihood.Score? = nil
                    var rc: (Double, Double, Double)? = nil
                    if scoring.scoresLikelihood {
                        let prefix = Prompts.fill(d.prompts.queryLikelihood, ["passage": passage, "task": task])
                        ql = try await scorer.score(prefix: prefix, continuation: " " + generated.query)
                    }
                    if scoring.scoresRelevance {
                        let prompt = Prompts.fill(d.prompts.relevance, ["passage": passage, "task": task, "query": generated.query])
                        rc = try await RelevanceClassifier(client: d.client).score(prompt)
                    }
                    return (i, ql, rc)
                }
            }
            var out: [(Int, QueryLikelihood.Score?, (Double, Double, Double)?)] = []
            for try await result in group { out.append(result) }
            return out
        }
        for (i, ql, rc) in scores {
            candidates[i].queryLikelihood = ql?.logprob
            candidates[i].queryLikelihoodTokens = ql?.tokens
            candidates[i].queryLikelihoodEstimated = ql?.estimated
            if let rc {
                candidates[i].relevance = rc.0
                candidates[i].yes = rc.1
                candidates[i].no = rc.2
            }
        }
        let ranked = RankFusion.fuse(candidates)
        let positive: Candidate
        let negative: Candidate?
        switch options.positive {
        case .fused:
            positive = ranked[0]
            negative = RankFusion.negative(in: ranked.count, selection: options.negative, random: &random).map { ranked[$0] }
        case .seed:
            // The seed passage is the positive (it is among the candidates: retrieved or added); the negative comes from
            // the fused ranking of the others, as if the seed were its top.
            let others = ranked.filter { $0.document != position }
            positive = ranked.first { $0.document == position } ?? Candidate(document: position, retrievalRank: nil, retrievalScore: nil)
            negative = RankFusion.negative(in: others.count + 1, selection: options.negative, random: &random).map { others[$0 - 1] }
        }

        func document(_ p: Int) -> JSONValue {
            let r = d.corpus[p]
            return .object(JSONObject([("title", .string(r.title ?? "")), ("text", .string(r.text))]))
        }
        func number(_ v: Double?) -> JSONValue { v.map { .number($0.isFinite ? $0 : -1e30) } ?? .null }
        let list: [JSONValue] = ranked.map { c in
            .object(JSONObject([
                ("id", .string(d.id(c.document))), ("retrieval_rank", c.retrievalRank.map { .number(Double($0)) } ?? .null),
                ("retrieval_score", number(c.retrievalScore.map(Double.init))), ("ql", number(c.queryLikelihood)),
                ("ql_tokens", c.queryLikelihoodTokens.map { .number(Double($0)) } ?? .null),
                ("ql_estimated_tokens", c.queryLikelihoodEstimated.map { .number(Double($0)) } ?? .null), ("rc", number(c.relevance)),
                ("p_yes", number(c.yes)), ("p_no", number(c.no)),
                ("rank_ql", c.rankQL.map { .number(Double($0)) } ?? .null), ("rank_rc", c.rankRC.map { .number(Double($0)) } ?? .null),
                ("fused", .number(c.fused)),
            ]))
        }
        return .object(JSONObject([
            ("task", .string(task)), ("query", .string(generated.query)), ("positive", document(positive.document)),
            ("negatives", .array(negative.map { [document($0.document)] } ?? [])),
            ("sample", .number(Double(sample))), ("seed_id", .string(d.id(position))), ("family", .string(family.name)),
            ("positive_id", .string(d.id(positive.document))), ("negative_ids", .array(negative.map { [.string(d.id($0.document))] } ?? [])),
            ("positive_is_seed", .bool(positive.document == position)), ("seed_retrieved", .bool(seedRetrieved)),
            ("scoring", .string(scoring.rawValue)), ("candidates", .array(list)),
        ]))
    }
}
