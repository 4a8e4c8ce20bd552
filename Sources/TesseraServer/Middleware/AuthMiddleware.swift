import Hummingbird

/// Bearer API keys with read and write scopes (``APIKeys``). `GET /health` and `GET /openapi.json` are open; reads
/// (GET, search, embeddings, `/metrics`) need `read`; everything else needs `write`. A missing or unknown key is a
/// 401 with `WWW-Authenticate: Bearer`, a key without the scope a 403.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let keys: APIKeys

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let needed = Self.scope(for: request) else { return try await next(request, context) }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
              let scopes = keys.scopes(of: String(header.dropFirst("Bearer ".count)))
        else {
            var error = APIError(.unauthorized, "this server needs an API key: send \"Authorization: Bearer KEY\"")
            error.headers = [.wwwAuthenticate: "Bearer"]
            error.type = "authentication_error"
            return error.response
        }
        guard scopes.contains(needed) else {
            var error = APIError(.forbidden, "this API key has no \(needed.rawValue) scope")
            error.type = "permission_error"
            return error.response
        }
        return try await next(request, context)
    }

    /// The scope a request needs; nil for the open routes.
    static func scope(for request: Request) -> APIScope? {
        let path = request.uri.path
        if request.method == .get && (path == "/health" || path == "/openapi.json") { return nil }
        if request.method == .get || request.method == .head { return .read }
        if request.method == .post && (path == "/v1/embeddings" || path.hasSuffix("/search")) { return .read }
        return .write
    }
}
