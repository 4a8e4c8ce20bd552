import Foundation
import Hummingbird
import TesseraIO
import TesseraModels

extension TesseraAPI {
    /// `POST /v1/embeddings` as OpenAI's API answers it, so that OpenAI SDKs, LangChain and LlamaIndex work unchanged:
    /// `input` (a string or an array of strings), `model`, optional `dimensions` (Matryoshka: truncated and
    /// renormalised) and `encoding_format` (`float`, or `base64` of little-endian float32).
    func addEmbeddingRoutes(to router: Router<BasicRequestContext>) {
        router.post("/v1/embeddings") { request, _ in
            await Self.answer {
                let body = try await JSONBody.read(request, limit: configuration.maximumBodyBytes)
                let name = try body.requiredString("model")
                let texts: [String]
                switch body.object["input"] {
                case .string(let s)?: texts = [s]
                case .array(let list)?:
                    texts = try list.map { value in
                        guard let s = value.stringValue else { throw APIError(.badRequest, "\"input\" must be a string or an array of strings") }
                        return s
                    }
                default: throw APIError(.badRequest, "\"input\" must be a string or an array of strings")
                }
                guard !texts.isEmpty, texts.count <= configuration.maximumBatch else {
                    throw APIError(.badRequest, "\"input\" must hold 1 to \(configuration.maximumBatch) texts")
                }
                guard !texts.contains(where: \.isEmpty) else { throw APIError(.badRequest, "\"input\" holds an empty text") }
                let format = try body.string("encoding_format") ?? "float"
                guard format == "float" || format == "base64" else { throw APIError(.badRequest, "\"encoding_format\" must be float or base64") }
                let folder = try configuration.modelFolder(name)
                let models = self.models
                let (vectors, width, tokens) = try await offload { () throws -> ([Float], Int, Int) in
                    let model = try models.model(folder: folder)
                    guard let requested = try body.int("dimensions", in: 1...model.dimension) else {
                        return try Self.embed(texts, model: model, dimension: nil)
                    }
                    return try Self.embed(texts, model: model, dimension: requested)
                }
                let data: [JSONValue] = (0..<texts.count).map { i in
                    let row = Array(vectors[(i * width)..<((i + 1) * width)])
                    let embedding: JSONValue = format == "float" ? .array(row.map { .number(Double($0)) })
                        : .string(row.withUnsafeBytes { Data($0) }.base64EncodedString())
                    return .object(JSONObject([("object", .string("embedding")), ("index", .number(Double(i))), ("embedding", embedding)]))
                }
                return JSONResponse.make(.ok, .object(JSONObject([
                    ("object", .string("list")), ("data", .array(data)), ("model", .string(name)),
                    ("usage", .object(JSONObject([("prompt_tokens", .number(Double(tokens))), ("total_tokens", .number(Double(tokens)))]))),
                ])))
            }
        }
    }

    static func embed(_ texts: [String], model: EmbeddingModel, dimension: Int?) throws -> ([Float], Int, Int) {
        let inputs = try texts.map { try model.tokenize($0) }
        let vectors = try model.embed(inputs: inputs, options: EmbedOptions(dimension: dimension))
        return (vectors, dimension ?? model.dimension, inputs.reduce(0) { $0 + $1.ids.count })
    }
}
