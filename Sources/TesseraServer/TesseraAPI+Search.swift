import Hummingbird
import TesseraCollections
import TesseraIO
import TesseraSearch

extension TesseraAPI {
    func addSearchRoutes(to router: Router<BasicRequestContext>) {
        router.post("/v1/collections/:name/search") { request, context in
            await Self.answer {
                let collection = try registry.collection(try context.parameters.require("name"))
                let body = try await JSONBody.read(request, limit: configuration.maximumBodyBytes)
                let query = try body.requiredString("query")
                let modeName = try body.string("mode") ?? collection.modes.first?.rawValue ?? "dense"
                guard let mode = SearchMode(rawValue: modeName), mode != .hybrid else {
                    throw APIError(.badRequest, "\"mode\" must be one of \(collection.modes.map(\.rawValue).joined(separator: ", "))")
                }
                let k = try body.int("k", in: 1...configuration.maximumK) ?? 10
                var parameters = collection.options.search.parameters
                if let n = try body.int("n_probe", in: 1...65_536) { parameters.nProbe = n }
                if let t = try body.int("t_prime", in: 1...100_000_000) { parameters.tPrime = t }
                if let e = try body.int("ef_search", in: 1...100_000) { parameters.efSearch = e }
                if let kp = try body.int("k_prime", in: 1...1_000_000) { parameters.kPrime = kp }
                let chosen = parameters
                let hits = try await offload { try collection.search(query, mode: mode, k: k, parameters: chosen) }
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
