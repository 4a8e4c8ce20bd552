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
                let embed = try EmbeddingsRequest(try await JSONBody.read(request, limit: configuration.maximumBodyBytes),
                                                  maximumBatch: configuration.maximumBatch)
                let folder = try configuration.modelFolder(embed.model)
                let models = self.models
                let (vectors, width, tokens) = try await work.run { () throws -> ([Float], Int, Int) in
                    let model = try models.model(folder: folder)
                    if let requested = embed.dimensions, requested > model.dimension {
                        throw APIError(.badRequest, "\"dimensions\" must be between 1 and \(model.dimension)")
                    }
                    return try Self.embed(embed.texts, model: model, dimension: embed.dimensions)
                }
                let texts = embed.texts, name = embed.model
                let data: [JSONValue] = (0..<texts.count).map { i in
                    let row = Array(vectors[(i * width)..<((i + 1) * width)])
                    let embedding: JSONValue = !embed.base64 ? .array(row.map { .number(Double($0)) })
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
