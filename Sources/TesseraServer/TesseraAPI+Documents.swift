import Hummingbird
import TesseraCollections
import TesseraIO

extension TesseraAPI {
    func addDocumentRoutes(to router: Router<BasicRequestContext>) {
        router.post("/v1/collections/:name/documents") { request, context in
            await Self.answer {
                let collection = try registry.collection(try context.parameters.require("name"))
                let body = try await JSONBody.read(request, limit: configuration.maximumBodyBytes)
                guard let list = try body.array("documents") else { throw APIError(.badRequest, "\"documents\" is required") }
                guard list.count <= configuration.maximumBatch else {
                    throw APIError(.badRequest, "at most \(configuration.maximumBatch) documents per request, not \(list.count)")
                }
                let documents = try list.enumerated().map { i, value in try Self.document(value, at: i) }
                let upsert = try body.bool("upsert") ?? false
                // Answered only once the batch is durable (logged, fsync'd, in a segment, state replaced).
                let count = try await offload { () throws -> Int in
                    if upsert { try collection.upsert(documents) } else { try collection.add(documents) }
                    return collection.count
                }
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
                let deleted = try await offload { try collection.delete(ids: [id]) }
                guard deleted == 1 else { throw APIError(.notFound, "no document \"\(id)\"") }
                return JSONResponse.make(.ok, .object(JSONObject([("id", .string(id)), ("deleted", .bool(true))])))
            }
        }
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
