import Hummingbird

/// Counts every request by method, matched route pattern (`/v1/collections/{name}/search`, or `unmatched`) and
/// status, and times it, in ``ServerMetrics``. Errors that reach it are answered as JSON errors here, so that they
/// are counted with their status.
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        metrics.requestStarted()
        let response: Response
        do { response = try await next(request, context) } catch { response = APIError.response(for: error) }
        // The router names a path it has no route for "NotFound".
        let route = context.endpointPath.flatMap { $0 == "NotFound" ? nil : $0 } ?? "unmatched"
        metrics.requestFinished(method: request.method.rawValue, route: route, status: Int(response.status.code), duration: ContinuousClock.now - start)
        return response
    }
}
