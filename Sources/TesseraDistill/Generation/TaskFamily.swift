import Foundation

/// Gecko's task families (PAPERS.md §1): the kind of query the LLM is asked to write for a passage, with the task
/// description used when the LLM writes none.
public struct TaskFamily: Sendable, Equatable, Hashable {
    /// The short name (`qa`, `fact`, `search`, `similarity`).
    public let name: String
    /// What the family asks for, as the prompt states it.
    public let instruction: String
    /// The task description when the LLM writes none.
    public let defaultTask: String

    /// Makes a family.
    public init(name: String, instruction: String, defaultTask: String) {
        self.name = name
        self.instruction = instruction
        self.defaultTask = defaultTask
    }

    /// Question answering: a question the passage answers.
    public static let questionAnswering = TaskFamily(
        name: "qa", instruction: "a question that the passage answers",
        defaultTask: "Given a question, retrieve passages that answer the question")
    /// Fact checking: a claim the passage supports or refutes.
    public static let factChecking = TaskFamily(
        name: "fact", instruction: "a claim that the passage supports or refutes",
        defaultTask: "Given a claim, retrieve documents that support or refute the claim")
    /// Search result: a short web search query the passage is a good result for.
    public static let searchResult = TaskFamily(
        name: "search", instruction: "a short web search query for which the passage is a good result",
        defaultTask: "Given a web search query, retrieve relevant passages that answer the query")
    /// Similarity: a sentence that says what part of the passage says, in other words.
    public static let similarity = TaskFamily(
        name: "similarity", instruction: "a sentence that says the same as part of the passage, in other words",
        defaultTask: "Retrieve semantically similar text")

    /// The four families, in this order.
    public static let all: [TaskFamily] = [.questionAnswering, .factChecking, .searchResult, .similarity]

    /// The families named in a comma-separated list (`qa,fact,search,similarity`).
    public static func parse(list: String) throws(DistillError) -> [TaskFamily] {
        var out: [TaskFamily] = []
        for name in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            guard let family = all.first(where: { $0.name == name }) else {
                throw DistillError(.invalidArgument, "unknown task family \(name) (known: \(all.map(\.name).joined(separator: ", ")))")
            }
            if !out.contains(family) { out.append(family) }
        }
        guard !out.isEmpty else { throw DistillError(.invalidArgument, "no task family given") }
        return out
    }
}
