import Hummingbird
import TesseraCollections
import TesseraIO
import TesseraSearch

/// Tessera's HTTP API (a thin shell over ``CollectionRegistry`` and the encoder):
///
/// - `GET /health`
/// - `PUT /v1/collections/{name}` (`model`, `indexes`), `GET /v1/collections`, `GET|DELETE /v1/collections/{name}`
/// - `POST /v1/collections/{name}/documents` (`documents`: `[{id, title?, text}]`, `upsert`?; answered once durable),
///   `GET|DELETE /v1/collections/{name}/documents/{id}`
/// - `POST /v1/collections/{name}/search` (`query`, `mode`, `k`, per-mode parameters)
/// - `POST /v1/embeddings`, OpenAI-compatible (`input`, `model`, `dimensions`, `encoding_format`)
///
/// Errors are JSON `{"error": {"message", "type", "code"}}` with a 4xx status for bad requests.
public struct TesseraAPI: Sendable {
    /// The collections served.
    public let registry: CollectionRegistry
    /// Limits and address.
    public let configuration: ServerConfiguration
    let models = ModelCache()

    /// Opens the collections of `configuration.dataDirectory`.
    public init(configuration: ServerConfiguration, options: CollectionOptions = CollectionOptions()) throws {
        self.configuration = configuration
        registry = try CollectionRegistry(directory: configuration.dataDirectory, options: options)
    }

    /// The routes.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/health") { _, _ in
            JSONResponse.make(.ok, .object(JSONObject([("status", .string("ok"))])))
        }
        addCollectionRoutes(to: router)
        addDocumentRoutes(to: router)
        addSearchRoutes(to: router)
        addEmbeddingRoutes(to: router)
        return router
    }

    /// The application `tessera serve` runs: the routes on `configuration.host:port`; SIGTERM / SIGINT stop it
    /// gracefully (in-flight requests finish) through `runService()`.
    public func application(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(router: router(), configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "tessera"),
                    onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) })
    }

    /// Wraps a handler: any error becomes its JSON error response.
    static func answer(_ body: () async throws -> Response) async -> Response {
        do { return try await body() } catch { return APIError.response(for: error) }
    }
}
