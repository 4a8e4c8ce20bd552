import Foundation
import Hummingbird
import HTTPTypes
import Logging

/// The outermost middleware: gives each request an id (the client's `X-Request-Id` when it is a short token,
/// otherwise the server's), puts it in the request's log metadata and the `X-Request-Id` response header, answers
/// any error that reached it as a JSON error (the router's 404s included), and logs one line per request with
/// method, path, status and duration.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    static let header = HTTPField.Name("X-Request-Id")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var context = context
        let id = request.headers[Self.header].flatMap(Self.validID) ?? context.id
        context.logger[metadataKey: "request_id"] = .string(id)
        var response: Response
        do { response = try await next(request, context) } catch { response = APIError.response(for: error) }
        response.headers[Self.header] = id
        let elapsed = ContinuousClock.now - start
        let milliseconds = Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) * 1e-15
        context.logger.log(level: response.status.code >= 500 ? .error : .info, "request", metadata: [
            "method": .string(request.method.rawValue), "path": .string(request.uri.path),
            "status": .stringConvertible(Int(response.status.code)),
            "ms": .stringConvertible((milliseconds * 1000).rounded() / 1000),
        ])
        return response
    }

    /// A client's request id, kept when it is 1 to 128 characters of letters, digits and `-_.:`.
    static func validID(_ value: String) -> String? {
        guard (1...128).contains(value.utf8.count) else { return nil }
        let allowed = value.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2D || c == 0x5F || c == 0x2E || c == 0x3A
        }
        return allowed ? value : nil
    }
}
