import Hummingbird
import TesseraCollections
import TesseraIO

extension TesseraAPI {
    func addDocumentRoutes(to router: Router<BasicRequestContext>) {
        router.post("/v1/collections/:name/documents") { request, context in
            await Self.answer {
                let collection = try registry.collection(try context.parameters.require("name"))
                let write = try WriteDocumentsRequest(try await JSONBody.read(request, limit: configuration.maximumBodyBytes),
                                                      maximumBatch: configuration.maximumBatch)
                let documents = write.documents
                // Answered only once the batch is durable (logged, fsync'd, in a segment, state replaced).
                let count = try await work.run { () throws -> Int in
                    if write.upsert { try collection.upsert(documents) } else { try collection.add(documents) }
                    return collection.count
                }
                metrics.documentsWritten(documents.count)
                return JSONResponse.make(.ok, .object(JSONObject([("added", .number(Double(documents.count))), ("documents", .number(Double(count)))])))
            }
        }
        router.get("/v1/collections/:name/documents/:id") { _, context in
            await Self.answer {
                let collection = try registry.collection(try context.parameters.require("name"))
                let id = try context.parameters.require("id")
                guard let d = collection.document(id: id) else { throw APIError(.notFound, "no document \"\(id)\"") }
                return JSONResponse.make(.ok, .object(JSONObject([
                    ("id", .string(d.id)), ("title", d.title.map(JSONValue.string) ?? .null), ("text", .string(d.text)),
                ])))
            }
        }
        router.delete("/v1/collections/:name/documents/:id") { _, context in
            await Self.answer {
                let collection = try registry.collection(try context.parameters.require("name"))
                let id = try context.parameters.require("id")
                let deleted = try await work.run { try collection.delete(ids: [id]) }
                guard deleted == 1 else { throw APIError(.notFound, "no document \"\(id)\"") }
                return JSONResponse.make(.ok, .object(JSONObject([("id", .string(id)), ("deleted", .bool(true))])))
            }
        }
    }
}
