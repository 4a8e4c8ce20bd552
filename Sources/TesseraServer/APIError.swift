import Hummingbird
import TesseraCollections
import TesseraIO

/// A request the API refuses, with its HTTP status; answered as `{"error": {"message", "type", "code"}}` (the shape
/// OpenAI's clients read).
struct APIError: Error, Sendable {
    var status: HTTPResponse.Status
    var message: String

    init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    /// The answer for any error a handler throws: API errors as they are, collection errors by their code, anything
    /// else as a 500 that names it.
    static func response(for error: any Error) -> Response {
        let (status, message): (HTTPResponse.Status, String)
        switch error {
        case let e as APIError: (status, message) = (e.status, e.message)
        case let e as CollectionError:
            switch e.code {
            case .invalidInput: status = .badRequest
            case .documentExists, .alreadyExists: status = .conflict
            case .notFound: status = .notFound
            case .corrupted, .io: status = .internalServerError
            }
            message = e.message
        default:
            (status, message) = (.internalServerError, String(describing: error))
        }
        let type = status.code >= 500 ? "server_error" : "invalid_request_error"
        let body = JSONValue.object(JSONObject([("error", .object(JSONObject([
            ("message", .string(message)), ("type", .string(type)), ("code", .number(Double(status.code))),
        ])))]))
        return JSONResponse.make(status, body)
    }
}

enum JSONResponse {
    static func make(_ status: HTTPResponse.Status, _ value: JSONValue) -> Response {
        var bytes = JSONWriter.encode(value)
        bytes.append(UInt8(ascii: "\n"))
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
