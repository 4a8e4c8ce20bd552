import Hummingbird
import Logging
import TesseraCollections
import TesseraIO
import TesseraSearch

/// Tessera's HTTP API (a thin shell over ``CollectionRegistry`` and the encoder):
///
/// - `GET /health`, `GET /metrics` (Prometheus text format), `GET /openapi.json` (OpenAPI 3.1, this API)
/// - `PUT /v1/collections/{name}` (`model`, `indexes`), `GET /v1/collections`, `GET|DELETE /v1/collections/{name}`
/// - `POST /v1/collections/{name}/documents` (`documents`: `[{id, title?, text}]`, `upsert`?; answered once durable),
///   `GET|DELETE /v1/collections/{name}/documents/{id}`
/// - `POST /v1/collections/{name}/search` (`query`, `mode`, `k`, per-mode parameters)
/// - `POST /v1/embeddings`, OpenAI-compatible (`input`, `model`, `dimensions`, `encoding_format`)
///
/// Errors are JSON `{"error": {"message", "type", "code"}}` with a 4xx status for bad requests, 401/403 for a
/// missing key or scope, 429 when the work queue is full, 503 past the request timeout. Every answer carries an
/// `X-Request-Id`, and every request is logged with it.
public struct TesseraAPI: Sendable {
    /// The collections served.
    public let registry: CollectionRegistry
    /// Limits and address.
    public let configuration: ServerConfiguration
    let models = ModelCache()
    let work: WorkQueue
    let metrics = ServerMetrics()

    /// Opens the collections of `configuration.dataDirectory`.
    public init(configuration: ServerConfiguration, options: CollectionOptions = CollectionOptions()) throws {
        self.configuration = configuration
        registry = try CollectionRegistry(directory: configuration.dataDirectory, options: options)
        work = WorkQueue(maximumRunning: configuration.maximumRunning, maximumWaiting: configuration.maximumWaiting,
                         timeout: configuration.timeout)
    }

    /// The routes, behind the request log, the metrics and (with keys) authentication.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: RequestLogMiddleware())
        router.add(middleware: RequestMetricsMiddleware(metrics: metrics))
        router.add(middleware: MethodNotAllowedMiddleware())
        if let keys = configuration.apiKeys { router.add(middleware: AuthMiddleware(keys: keys)) }
        router.get("/health") { _, _ in
            JSONResponse.make(.ok, .object(JSONObject([("status", .string("ok"))])))
        }
        router.get("/metrics") { _, _ in
            let text = metrics.exposition(work: work, collections: registry)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: text)))
        }
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        addCollectionRoutes(to: router)
        addDocumentRoutes(to: router)
        addSearchRoutes(to: router)
        addEmbeddingRoutes(to: router)
        return router
    }

    /// The application `tessera serve` runs: the routes on `configuration.host:port`; SIGTERM / SIGINT stop it
    /// gracefully (in-flight requests finish) through `runService()`. `logger` receives the request log.
    public func application(logger: Logger = Logger(label: "tessera"),
                            onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(router: router(), configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "tessera"),
                    onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) }, logger: logger)
    }

    /// Wraps a handler: any error becomes its JSON error response.
    static func answer(_ body: () async throws -> Response) async -> Response {
        do { return try await body() } catch { return APIError.response(for: error) }
    }
}
