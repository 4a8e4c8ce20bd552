import Hummingbird
import TesseraCollections
import TesseraIO
import TesseraSearch

extension TesseraAPI {
    func addSearchRoutes(to router: Router<BasicRequestContext>) {
        router.post("/v1/collections/:name/search") { request, context in
            await Self.answer {
                let collection = try registry.collection(try context.parameters.require("name"))
                let search = try SearchRequest(try await JSONBody.read(request, limit: configuration.maximumBodyBytes), maximumK: configuration.maximumK)
                let mode = search.mode ?? collection.modes.first ?? .dense
                let parameters = search.parameters(over: collection.options.search.parameters)
                let start = ContinuousClock.now
                let hits = try await work.run { try collection.search(search.query, mode: mode, k: search.k, parameters: parameters, hybrid: search.hybrid) }
                metrics.searched(mode: mode.rawValue, duration: ContinuousClock.now - start)
                let results: [JSONValue] = hits.map { hit in
                    .object(JSONObject([
                        ("id", .string(hit.id)), ("score", .number(Double(hit.score))),
                        ("title", hit.title.map(JSONValue.string) ?? .null), ("text", .string(hit.text)),
                    ]))
                }
                return JSONResponse.make(.ok, .object(JSONObject([("mode", .string(mode.rawValue)), ("results", .array(results))])))
            }
        }
    }
}
