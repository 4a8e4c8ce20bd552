import Foundation
import TesseraIO

/// The prompts of both stages, as templates with `{name}` placeholders. The defaults are built in;
/// `Prompts(folder:)` replaces any of them by a file of the same name (`Prompts.fileNames`), and
/// `write(to:)` writes them out for editing.
public struct Prompts: Sendable, Equatable {
    /// Stage 1's system message.
    public var generationSystem: String
    /// Stage 1's user message: `{family}` (the family's instruction) and `{passage}`.
    public var generation: String
    /// Stage 1's few-shot examples, each a user turn (filled as `generation`) and the answer the LLM should give.
    public var examples: [FewShotExample]
    /// The relevance question (chat, one token answered): `{task}`, `{query}`, `{passage}`.
    public var relevance: String
    /// The query-likelihood prefix (a completion prompt that the query follows): `{task}`, `{passage}`.
    public var queryLikelihood: String

    /// A few-shot example of stage 1.
    public struct FewShotExample: Sendable, Equatable {
        /// The family's short name.
        public var family: String
        /// The passage.
        public var passage: String
        /// The task description the answer gives.
        public var task: String
        /// The query the answer gives.
        public var query: String

        /// Makes an example.
        public init(family: String, passage: String, task: String, query: String) {
            self.family = family
            self.passage = passage
            self.task = task
            self.query = query
        }

        /// The answer as the LLM is asked to write it: one JSON object, the query first (small models that stop early
        /// then still wrote it).
        public var answer: String {
            String(decoding: JSONWriter.encode(.object(JSONObject([("query", .string(query)), ("task", .string(task))]))), as: UTF8.self)
        }
    }

    /// The file each template is read from, in a prompts folder.
    public static let fileNames = (generationSystem: "generation-system.txt", generation: "generation.txt",
                                   examples: "generation-examples.jsonl", relevance: "relevance.txt",
                                   queryLikelihood: "query-likelihood.txt")

    /// The built-in prompts.
    public static let builtIn = Prompts(
        generationSystem: """
        You write training data for a search engine. Given a passage, you write a task description and a query for \
        which the passage is a relevant result. Answer with one JSON object {"query": ..., "task": ...} and nothing else.
        """,
        generation: """
        Write {family}. The task describes, in one sentence, what kind of text a searcher wants for such a query.

        Passage: {passage}
        """,
        examples: [
            FewShotExample(family: "qa",
                           passage: "The Rhine rises in the Swiss Alps and flows about 1,230 km to the North Sea, crossing Germany and the Netherlands. It is one of Europe's busiest waterways.",
                           task: "Given a question, retrieve passages that answer the question",
                           query: "how long is the Rhine river"),
            FewShotExample(family: "fact",
                           passage: "Regular moderate exercise lowered resting blood pressure by 5 to 8 mmHg in adults with hypertension over twelve weeks, compared with no change in the control group.",
                           task: "Given a claim, retrieve documents that support or refute the claim",
                           query: "Exercise has no effect on blood pressure in people with hypertension."),
            FewShotExample(family: "search",
                           passage: "To repot a cactus, wear gloves, loosen the soil, lift the plant out, shake off old soil and set it in a slightly larger pot with fast-draining cactus mix. Wait a week before watering.",
                           task: "Given a web search query, retrieve relevant passages that answer the query",
                           query: "repotting a cactus safely"),
            FewShotExample(family: "similarity",
                           passage: "Honeybees communicate the direction and distance of food sources to other bees in the hive through a waggle dance.",
                           task: "Retrieve semantically similar text",
                           query: "Bees tell their hive mates where to find food by dancing."),
        ],
        relevance: """
        Task: {task}
        Query: {query}
        Passage: {passage}

        Is the passage relevant to the query? Answer yes or no.
        """,
        queryLikelihood: """
        Passage: {passage}
        Task: {task}
        A query for which this passage is relevant:
        """
    )

    /// Makes a set of prompts.
    public init(generationSystem: String, generation: String, examples: [FewShotExample], relevance: String, queryLikelihood: String) {
        self.generationSystem = generationSystem
        self.generation = generation
        self.examples = examples
        self.relevance = relevance
        self.queryLikelihood = queryLikelihood
    }

    /// The built-in prompts with any of them replaced by the files of `folder` that exist.
    public init(folder: String) throws(DistillError) {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw DistillError(.invalidArgument, "the prompts folder \(folder) does not exist")
        }
        self = Prompts.builtIn
        func read(_ name: String) throws(DistillError) -> String? {
            let path = folder + "/" + name
            guard FileManager.default.fileExists(atPath: path) else { return nil }
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw DistillError(.io, "cannot read \(path) as UTF-8 text")
            }
            return text.hasSuffix("\n") ? String(text.dropLast()) : text
        }
        if let t = try read(Self.fileNames.generationSystem) { generationSystem = t }
        if let t = try read(Self.fileNames.generation) { generation = t }
        if let t = try read(Self.fileNames.relevance) { relevance = t }
        if let t = try read(Self.fileNames.queryLikelihood) { queryLikelihood = t }
        if let t = try read(Self.fileNames.examples) {
            var parsed: [FewShotExample] = []
            for (i, line) in t.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where !line.trimmingCharacters(in: .whitespaces).isEmpty {
                let where_ = "\(folder)/\(Self.fileNames.examples):\(i + 1)"
                guard let o = try? JSONValue.parse(string: String(line)).objectValue,
                      let family = o["family"]?.stringValue, let passage = o["passage"]?.stringValue,
                      let task = o["task"]?.stringValue, let query = o["query"]?.stringValue else {
                    throw DistillError(.invalidArgument, "\(where_): expected {\"family\", \"passage\", \"task\", \"query\"} strings")
                }
                parsed.append(FewShotExample(family: family, passage: passage, task: task, query: query))
            }
            examples = parsed
        }
        try validate()
    }

    /// Checks that every template has the placeholders it needs.
    public func validate() throws(DistillError) {
        func need(_ template: String, _ names: [String], _ file: String) throws(DistillError) {
            for name in names where !template.contains("{\(name)}") {
                throw DistillError(.invalidArgument, "the prompt \(file) has no {\(name)} placeholder")
            }
        }
        try need(generation, ["family", "passage"], Self.fileNames.generation)
        try need(relevance, ["query", "passage"], Self.fileNames.relevance)
        try need(queryLikelihood, ["passage"], Self.fileNames.queryLikelihood)
    }

    /// Writes every prompt to `folder` (created when missing), for editing.
    public func write(to folder: String) throws(DistillError) {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let lines = examples.map { e in
                String(decoding: JSONWriter.encode(.object(JSONObject([("family", .string(e.family)), ("passage", .string(e.passage)),
                                                                        ("task", .string(e.task)), ("query", .string(e.query))]))), as: UTF8.self)
            }
            for (name, text) in [(Self.fileNames.generationSystem, generationSystem), (Self.fileNames.generation, generation),
                                 (Self.fileNames.examples, lines.joined(separator: "\n")), (Self.fileNames.relevance, relevance),
                                 (Self.fileNames.queryLikelihood, queryLikelihood)] {
                let out = try AtomicFile(destination: folder + "/" + name)
                try out.write(Array((text + "\n").utf8))
                try out.commit()
            }
        } catch let error as IOError {
            throw DistillError(.io, error.message)
        } catch {
            throw DistillError(.io, "cannot write prompts to \(folder): \(error.localizedDescription)")
        }
    }

    /// `template` with each `{name}` replaced by its value (one pass, so a value that contains `{…}` stays as it is).
    public static func fill(_ template: String, _ values: [String: String]) -> String {
        var out = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            let after = rest[rest.index(after: open)...]
            if let close = after.firstIndex(of: "}"), let value = values[String(after[..<close])] {
                out += value
                rest = after[after.index(after: close)...]
            } else {
                out += "{"
                rest = after
            }
        }
        return out + rest
    }
}
