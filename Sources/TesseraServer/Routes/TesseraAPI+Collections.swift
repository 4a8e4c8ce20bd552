import Hummingbird
import TesseraCollections
import TesseraIO

extension TesseraAPI {
    func addCollectionRoutes(to router: Router<BasicRequestContext>) {
        router.put("/v1/collections/:name") { request, context in
            await Self.answer {
                let name = try context.parameters.require("name")
                let spec = try CreateCollectionRequest(try await JSONBody.read(request, limit: configuration.maximumBodyBytes))
                let model = try spec.model.map { try configuration.modelFolder($0) }
                let indexes = spec.indexes
                let registry = self.registry, kinds = indexes
                let created = try await work.run { try registry.create(name, model: model, indexes: kinds) }
                return JSONResponse.make(.created, Self.describe(name, created))
            }
        }
        router.get("/v1/collections") { _, _ in
            await Self.answer {
                let list = try registry.names.map { Self.describe($0, try registry.collection($0)) }
                return JSONResponse.make(.ok, .object(JSONObject([("collections", .array(list))])))
            }
        }
        router.get("/v1/collections/:name") { _, context in
            await Self.answer {
                let name = try context.parameters.require("name")
                return JSONResponse.make(.ok, Self.describe(name, try registry.collection(name)))
            }
        }
        router.delete("/v1/collections/:name") { _, context in
            await Self.answer {
                let name = try context.parameters.require("name")
                let registry = self.registry
                try await work.run { try registry.delete(name) }
                return JSONResponse.make(.ok, .object(JSONObject([("name", .string(name)), ("deleted", .bool(true))])))
            }
        }
    }

    static func describe(_ name: String, _ c: DocumentCollection) -> JSONValue {
        let model = c.configuration.modelFolder.map { JSONValue.string($0.split(separator: "/").last.map(String.init) ?? $0) } ?? .null
        return .object(JSONObject([
            ("name", .string(name)), ("model", model),
            ("indexes", .array(c.configuration.indexes.map { .string($0.rawValue) })),
            ("modes", .array(c.modes.map { .string($0.rawValue) })),
            ("documents", .number(Double(c.count))), ("segments", .number(Double(c.segmentCount))),
        ]))
    }
}
