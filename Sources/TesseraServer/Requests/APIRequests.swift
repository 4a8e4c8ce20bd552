import TesseraCollections
import TesseraIO
import TesseraSearch

// The request bodies of the API, decoded from JSON with the server's limits. Each refuses a wrong type, a missing
// field or a value out of range with a 400 ``APIError`` that names the field; nothing here touches a collection,
// a model or the disk (what `tessera-fuzz request` drives).

/// `PUT /v1/collections/{name}`: `model` (a served model name) and `indexes` ⊆ dense, tokens, bm25 (all three by
/// default).
struct CreateCollectionRequest {
    var model: String?
    var indexes: Set<CollectionIndex>

    init(_ body: JSONBody) throws {
        model = try body.string("model")
        indexes = []
        for value in try body.array("indexes") ?? [.string("dense"), .string("tokens"), .string("bm25")] {
            guard let s = value.stringValue, let index = CollectionIndex(rawValue: s) else {
                throw APIError(.badRequest, "\"indexes\" holds dense, tokens or bm25, not \(value)")
            }
            indexes.insert(index)
        }
        guard !indexes.isEmpty else { throw APIError(.badRequest, "\"indexes\" needs at least one of dense, tokens, bm25") }
    }
}

/// `POST /v1/collections/{name}/documents`: `documents` (`[{id, title?, text}]`, 1 to the batch limit) and
/// `upsert` (replace documents whose id exists instead of refusing the batch).
struct WriteDocumentsRequest {
    var documents: [CollectionDocument]
    var upsert: Bool

    init(_ body: JSONBody, maximumBatch: Int) throws {
        guard let list = try body.array("documents") else { throw APIError(.badRequest, "\"documents\" is required") }
        guard !list.isEmpty else { throw APIError(.badRequest, "\"documents\" holds no document") }
        guard list.count <= maximumBatch else {
            throw APIError(.badRequest, "at most \(maximumBatch) documents per request, not \(list.count)")
        }
        documents = try list.enumerated().map { i, value in try Self.document(value, at: i) }
        upsert = try body.bool("upsert") ?? false
    }

    static func document(_ value: JSONValue, at i: Int) throws -> CollectionDocument {
        guard let d = value.objectValue else { throw APIError(.badRequest, "documents[\(i)] must be an object") }
        guard let id = d["id"]?.stringValue else { throw APIError(.badRequest, "documents[\(i)].id must be a string") }
        guard let text = d["text"]?.stringValue else { throw APIError(.badRequest, "documents[\(i)].text must be a string") }
        var title: String? = nil
        if let t = d["title"], !t.isNull {
            guard let s = t.stringValue else { throw APIError(.badRequest, "documents[\(i)].title must be a string") }
            title = s.isEmpty ? nil : s
        }
        return CollectionDocument(id: id, title: title, text: text)
    }
}

/// `POST /v1/collections/{name}/search`: `query`, `mode` (the collection's first mode by default), `k` (10 by
/// default, at most the server's limit), the per-mode parameters `n_probe`, `t_prime`, `ef_search`, `k_prime`, and
/// for `mode: "hybrid"` the two modes fused (`hybrid`, default xtr and bm25), `fusion` (`rrf`, the default, or
/// `score`) and `weight` (score fusion: the first mode's weight, default 0.5).
struct SearchRequest {
    var query: String
    var mode: SearchMode?
    var k: Int
    var nProbe: Int?
    var tPrime: Int?
    var efSearch: Int?
    var kPrime: Int?
    var hybrid: (first: SearchMode, second: SearchMode)?
    var fusion: Fusion?

    /// The modes a collection search takes.
    static let modes = SearchMode.allCases
    /// The modes a hybrid fuses.
    static let fusedModes = SearchMode.allCases.filter { $0 != .hybrid }

    init(_ body: JSONBody, maximumK: Int) throws {
        query = try body.requiredString("query")
        if let name = try body.string("mode") {
            guard let mode = SearchMode(rawValue: name) else {
                throw APIError(.badRequest, "\"mode\" must be one of \(Self.modes.map(\.rawValue).joined(separator: ", "))")
            }
            self.mode = mode
        }
        if let parts = try body.array("hybrid") {
            let modes = parts.map { $0.stringValue.flatMap(SearchMode.init(rawValue:)) }
            guard modes.count == 2, let a = modes[0], let b = modes[1], a != .hybrid, b != .hybrid else {
                throw APIError(.badRequest, "\"hybrid\" must name two modes of \(Self.fusedModes.map(\.rawValue).joined(separator: ", "))")
            }
            hybrid = (a, b)
        }
        let weight = try body.number("weight", in: 0...1)
        switch try body.string("fusion") {
        case nil: if weight != nil { throw APIError(.badRequest, "\"weight\" applies to \"fusion\": \"score\"") }
        case "rrf"?:
            if weight != nil { throw APIError(.badRequest, "\"weight\" applies to \"fusion\": \"score\"") }
            fusion = .reciprocalRank(k: 60)
        case "score"?: fusion = .normalizedScore(weights: [weight ?? 0.5, 1 - (weight ?? 0.5)])
        default: throw APIError(.badRequest, "\"fusion\" must be rrf or score")
        }
        if mode != .hybrid && (hybrid != nil || fusion != nil) {
            throw APIError(.badRequest, "\"hybrid\", \"fusion\" and \"weight\" apply to \"mode\": \"hybrid\"")
        }
        k = try body.int("k", in: 1...maximumK) ?? 10
        nProbe = try body.int("n_probe", in: 1...65_536)
        tPrime = try body.int("t_prime", in: 1...100_000_000)
        efSearch = try body.int("ef_search", in: 1...100_000)
        kPrime = try body.int("k_prime", in: 1...1_000_000)
    }

    /// `defaults` with this request's parameters where it gives them.
    func parameters(over defaults: SearchParameters) -> SearchParameters {
        var p = defaults
        if let nProbe { p.nProbe = nProbe }
        if let tPrime { p.tPrime = tPrime }
        if let efSearch { p.efSearch = efSearch }
        if let kPrime { p.kPrime = kPrime }
        if let fusion { p.fusion = fusion }
        return p
    }
}

/// `POST /v1/embeddings` as OpenAI's API takes it: `model`, `input` (a string or 1 to the batch limit of strings,
/// none empty), `dimensions` (checked against the model once loaded), `encoding_format` (`float` or `base64`).
struct EmbeddingsRequest {
    var model: String
    var texts: [String]
    var dimensions: Int?
    var base64: Bool

    init(_ body: JSONBody, maximumBatch: Int) throws {
        model = try body.requiredString("model")
        switch body.object["input"] {
        case .string(let s)?: texts = [s]
        case .array(let list)?:
            texts = try list.map { value in
                guard let s = value.stringValue else { throw APIError(.badRequest, "\"input\" must be a string or an array of strings") }
                return s
            }
        default: throw APIError(.badRequest, "\"input\" must be a string or an array of strings")
        }
        guard !texts.isEmpty, texts.count <= maximumBatch else {
            throw APIError(.badRequest, "\"input\" must hold 1 to \(maximumBatch) texts")
        }
        guard !texts.contains(where: \.isEmpty) else { throw APIError(.badRequest, "\"input\" holds an empty text") }
        dimensions = try body.int("dimensions", in: 1...65_536)
        let format = try body.string("encoding_format") ?? "float"
        guard format == "float" || format == "base64" else { throw APIError(.badRequest, "\"encoding_format\" must be float or base64") }
        base64 = format == "base64"
    }
}
