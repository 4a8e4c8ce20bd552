import Testing
import TesseraKernels
import TesseraSearch

/// The rules that turn a ranking into hard negatives (`tessera mine`).
@Suite struct NegativeSelectionTests {
    /// Documents 0…9 ranked best first with scores 0.9, 0.8, …, 0.0.
    let ranked = (0..<10).map { ScoredDocument(document: Int32($0), score: Float(9 - $0) / 10) }

    @Test func skipsTheBestRanksAndKnownPositivesWithoutCountingThem() {
        var g = SplitMix64(seed: 1)
        let rules = NegativeSelection(count: 3, ranks: 2..<6)
        // Ranks 2…5 are documents 2…5; 3 is a known positive and 4 has the positive's text: both are passed over and
        // the window still holds four candidates (2, 5, 6, 7), of which the best three are kept.
        let chosen = rules.choose(ranked: ranked, positiveScore: 1, excluded: [3], isPositive: { $0 == 4 }, generator: &g)
        #expect(chosen == [2, 5, 6])
    }

    @Test func marginsDropCandidatesThatScoreTooCloseToThePositive() {
        var g = SplitMix64(seed: 1)
        let absolute = NegativeSelection(count: 2, ranks: 0..<10, margin: 0.25)
        // The positive scores 0.8: a negative may score at most 0.55 (documents 4 onwards, 0.5).
        #expect(absolute.choose(ranked: ranked, positiveScore: 0.8, excluded: [], isPositive: { _ in false }, generator: &g) == [4, 5])
        let relative = NegativeSelection(count: 1, ranks: 0..<10, relativeMargin: 0.45)
        // At most 0.8 × 0.55 = 0.44: document 5 (0.4).
        #expect(relative.choose(ranked: ranked, positiveScore: 0.8, excluded: [], isPositive: { _ in false }, generator: &g) == [5])
        // A positive below every candidate leaves none.
        #expect(absolute.choose(ranked: ranked, positiveScore: -1, excluded: [], isPositive: { _ in false }, generator: &g).isEmpty)
    }

    @Test func randomSamplingIsSeededAndDrawsFromTheCandidatesOnly() {
        let rules = NegativeSelection(count: 3, ranks: 1..<9, sampling: .random, seed: 7)
        var a = SplitMix64(seed: rules.seed), b = SplitMix64(seed: rules.seed)
        let first = rules.choose(ranked: ranked, positiveScore: 1, excluded: [5], isPositive: { _ in false }, generator: &a)
        let again = rules.choose(ranked: ranked, positiveScore: 1, excluded: [5], isPositive: { _ in false }, generator: &b)
        #expect(first == again)
        #expect(first.count == 3 && Set(first).count == 3)
        #expect(first.allSatisfy { (1...9).contains($0) && $0 != 5 })
        var c = SplitMix64(seed: 8)
        let draws = (0..<20).map { _ in rules.choose(ranked: ranked, positiveScore: 1, excluded: [5], isPositive: { _ in false }, generator: &c) }
        #expect(Set(draws).count > 1, "a generator that moves on gives other choices")
    }
}
