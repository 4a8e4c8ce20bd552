import TesseraIO

/// The settings of a distillation run (`tessera distill`).
public struct DistillOptions: Sendable {
    /// Passages sampled from the corpus (at most its size).
    public var sample = 100
    /// Seed of the passage sample, the task families and random negatives.
    public var seed: UInt64 = 42
    /// Neighbours retrieved for each generated query.
    public var neighbours = 20
    /// The task families, drawn uniformly per passage.
    public var families = TaskFamily.all
    /// Which candidate becomes the hard negative.
    public var negative = NegativeSelection.rank(20)
    /// Where the positive comes from: the top of the LLM's fused ranking (FRet), or the seed passage (Gecko's
    /// ablation without relabelling; the negative is still chosen from the fused ranking, the seed left out).
    public var positive = PositiveSelection.fused
    /// Passages are cut (at a word) to this many characters in prompts.
    public var maximumPassageCharacters = 2000
    /// Whether the seed passage joins the candidates when the retriever misses it.
    public var includeSeed = true
    /// The checks a generated query passes.
    public var filter = QueryFilter()
    /// Stage 1's sampling temperature.
    public var generationTemperature = 0.7
    /// Stage 1's answer token limit.
    public var generationMaximumTokens = 96
    /// Samples worked on at once.
    public var samplesInFlight = 2
    /// What the LLM scores (nil: both where the server can, else the one it can).
    public var scoring: RelabelScoring?
    /// Alternatives per position asked for by query likelihood (a server with the shifted echo layout reads the query's
    /// tokens from them).
    public var likelihoodAlternatives = 20

    /// The defaults.
    public init() {}

    /// Checks the settings.
    public func validate() throws(DistillError) {
        if sample < 1 { throw DistillError(.invalidArgument, "--sample must be at least 1") }
        if neighbours < 1 { throw DistillError(.invalidArgument, "--neighbours must be at least 1") }
        if case .rank(let r) = negative, r < 2 { throw DistillError(.invalidArgument, "--negative-rank must be at least 2 (rank 1 is the positive)") }
        if maximumPassageCharacters < 16 { throw DistillError(.invalidArgument, "--max-passage-chars must be at least 16") }
        if samplesInFlight < 1 { throw DistillError(.invalidArgument, "samples in flight must be at least 1") }
        if families.isEmpty { throw DistillError(.invalidArgument, "no task family given") }
        if scoring == .retrieverOnly, positive == .fused {
            throw DistillError(.invalidArgument, "--scoring none leaves the LLM nothing to rank the neighbours by: use it with --positive seed")
        }
    }
}

/// What the LLM scores: both (FRet), or one where the server cannot give the other.
public enum RelabelScoring: String, Sendable {
    /// Query likelihood and relevance classification, fused.
    case both = "ql+rc"
    /// Relevance classification only (no prompt log-probabilities on this server).
    case relevanceOnly = "rc"
    /// Query likelihood only (no answer log-probabilities on this server).
    case likelihoodOnly = "ql"
    /// No relabelling: one LLM request per passage (stage 1); the seed passage is the positive and the hard negative
    /// comes from the retriever's ranking (Gecko's ablation without LLM relabelling, at a twentieth of the cost).
    case retrieverOnly = "none"

    /// Whether the LLM scores query likelihood.
    var scoresLikelihood: Bool { self == .both || self == .likelihoodOnly }
    /// Whether the LLM scores relevance.
    var scoresRelevance: Bool { self == .both || self == .relevanceOnly }
}

/// Where a training line's positive comes from.
public enum PositiveSelection: String, Sendable {
    /// The top of the fused LLM ranking (FRet's relabelling).
    case fused
    /// The passage the query was generated from.
    case seed
}
