import Hummingbird
import TesseraCollections
import TesseraIO

/// A request the API refuses, with its HTTP status; answered as `{"error": {"message", "type", "code"}}` (the shape
/// OpenAI's clients read).
struct APIError: Error, Sendable {
    var status: HTTPResponse.Status
    var message: String
    /// `error.type` of the answer; by default `invalid_request_error` for 4xx and `server_error` for 5xx.
    var type: String?
    /// Extra response headers (`Retry-After`, `WWW-Authenticate`).
    var headers: HTTPFields = [:]

    init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    /// The error for any error a handler throws: API errors as they are, collection errors by their code, the
    /// router's own HTTP errors (no such route) with their status, anything else as a 500 that names it.
    init(_ error: any Error) {
        switch error {
        case let e as APIError: self = e
        case let e as CollectionError:
            let status: HTTPResponse.Status
            switch e.code {
            case .invalidInput: status = .badRequest
            case .documentExists, .alreadyExists: status = .conflict
            case .notFound: status = .notFound
            case .corrupted, .io: status = .internalServerError
            }
            self.init(status, e.message)
        case let e as HTTPError:
            self.init(e.status, e.body ?? (e.status == .notFound ? "no such route" : e.status.reasonPhrase))
        default:
            self.init(.internalServerError, String(describing: error))
        }
    }

    /// The JSON answer.
    var response: Response {
        let type = self.type ?? (status.code >= 500 ? "server_error" : "invalid_request_error")
        let body = JSONValue.object(JSONObject([("error", .object(JSONObject([
            ("message", .string(message)), ("type", .string(type)), ("code", .number(Double(status.code))),
        ])))]))
        var response = JSONResponse.make(status, body)
        response.headers.append(contentsOf: headers)
        return response
    }

    /// The answer for any error a handler throws.
    static func response(for error: any Error) -> Response { APIError(error).response }
}

enum JSONResponse {
    static func make(_ status: HTTPResponse.Status, _ value: JSONValue) -> Response {
        var bytes = JSONWriter.encode(value)
        bytes.append(UInt8(ascii: "\n"))
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
