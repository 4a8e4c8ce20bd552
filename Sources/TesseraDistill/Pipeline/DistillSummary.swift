import TesseraIO

/// What a run did: counts of what was kept and dropped and why, how often the LLM moved the positive away from the
/// seed passage, and what the LLM cost.
public struct DistillSummary: Sendable {
    /// Passages sampled.
    public var samples = 0
    /// Training lines written.
    public var kept = 0
    /// Samples dropped, by reason (`parse_empty`, `parse_truncated`, `parse_unparseable`, `empty`, `too_long`,
    /// `copy`, `no_content_word`, `example_copy`).
    public var dropped: [String: Int] = [:]
    /// Kept lines whose positive is not the seed passage.
    public var positiveNotSeed = 0
    /// Kept lines whose seed passage the retriever found among the neighbours.
    public var seedRetrieved = 0
    /// What the LLM scored.
    public var scoring = RelabelScoring.both
    /// How the server aligns echoed log-probabilities (nil when QL is off).
    public var echoAlignment: EchoAlignment?
    /// The LLM client's tally (this process only: a resumed run counts what it sent itself).
    public var usage = LLMUsage()
    /// Seconds of the run (this process).
    public var seconds = 0.0
    /// Samples processed by this process (the others came from the log of an earlier one).
    public var processedHere = 0

    /// An empty summary.
    public init() {}

    /// Passages per hour of this process.
    public var passagesPerHour: Double { seconds > 0 ? Double(processedHere) / seconds * 3600 : 0 }

    /// The summary as JSON (`tessera distill --json`).
    public var json: JSONValue {
        let drops = dropped.keys.sorted().map { (key: $0, value: JSONValue.number(Double(dropped[$0] ?? 0))) }
        return .object(JSONObject([
            ("samples", .number(Double(samples))), ("kept", .number(Double(kept))), ("dropped", .object(JSONObject(drops))),
            ("positive_not_seed", .number(Double(positiveNotSeed))),
            ("positive_not_seed_fraction", .number(kept > 0 ? Double(positiveNotSeed) / Double(kept) : 0)),
            ("seed_retrieved", .number(Double(seedRetrieved))), ("scoring", .string(scoring.rawValue)),
            ("echo_alignment", echoAlignment.map { .string($0.rawValue) } ?? .null),
            ("llm_requests", .number(Double(usage.requests))), ("llm_cache_hits", .number(Double(usage.cacheHits))),
            ("llm_retries", .number(Double(usage.retries))), ("llm_failures", .number(Double(usage.failures))),
            ("prompt_tokens", .number(Double(usage.promptTokens))), ("completion_tokens", .number(Double(usage.completionTokens))),
            ("requests_per_second", .number(usage.requestsPerSecond)), ("seconds", .number(seconds)),
            ("processed_here", .number(Double(processedHere))), ("passages_per_hour", .number(passagesPerHour)),
        ]))
    }
}

/// A progress report after each sample.
public struct DistillProgress: Sendable {
    /// Samples done (this run and a resumed log).
    public var done: Int
    /// Samples in all.
    public var total: Int
    /// Lines kept so far.
    public var kept: Int
    /// Server requests per second so far.
    public var requestsPerSecond: Double
    /// Estimated seconds left.
    public var secondsLeft: Double?
}
