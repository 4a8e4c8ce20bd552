import Hummingbird

/// A path the API has routes for, asked with another method, is answered 405 with the `Allow` header of its methods
/// (the router alone would answer 404, as for a path it does not know).
struct MethodNotAllowedMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let methods = APIRoutes.methods(for: request.uri.path)
            guard !methods.isEmpty, !methods.contains(request.method) else { throw error }
            var refusal = APIError(.methodNotAllowed, "\(request.method.rawValue) is not a method of \(request.uri.path) (\(methods.map(\.rawValue).joined(separator: ", ")))")
            refusal.headers = [.allow: methods.map(\.rawValue).joined(separator: ", ")]
            return refusal.response
        }
    }
}
