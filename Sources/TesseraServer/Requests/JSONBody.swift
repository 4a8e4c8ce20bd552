import Foundation
import Hummingbird
import TesseraIO

/// A request's JSON object, read up to the size limit, with typed field access that answers 400 on a wrong type.
struct JSONBody {
    let object: JSONObject

    static func read(_ request: Request, limit: Int) async throws -> JSONBody {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            throw APIError(.contentTooLarge, "the request body is larger than \(limit) bytes")
        }
        return try parse(Array(buffer.readableBytesView))
    }

    /// The JSON object of a body's bytes; 400 for an empty body, invalid JSON or UTF-8, or a non-object.
    static func parse(_ bytes: [UInt8]) throws -> JSONBody {
        guard !bytes.isEmpty else { throw APIError(.badRequest, "the request needs a JSON body") }
        let value: JSONValue
        do { value = try JSONValue.parse(bytes) } catch {
            throw APIError(.badRequest, "the body is not valid JSON: \(error)")
        }
        guard let object = value.objectValue else { throw APIError(.badRequest, "the body must be a JSON object") }
        return JSONBody(object: object)
    }

    func string(_ key: String) throws -> String? {
        guard let v = object[key], !v.isNull else { return nil }
        guard let s = v.stringValue else { throw APIError(.badRequest, "\"\(key)\" must be a string") }
        return s
    }

    func requiredString(_ key: String) throws -> String {
        guard let s = try string(key) else { throw APIError(.badRequest, "\"\(key)\" is required") }
        return s
    }

    func int(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let v = object[key], !v.isNull else { return nil }
        guard let d = v.doubleValue, d == d.rounded(), let i = Int(exactly: d) else { throw APIError(.badRequest, "\"\(key)\" must be an integer") }
        guard range.contains(i) else { throw APIError(.badRequest, "\"\(key)\" must be between \(range.lowerBound) and \(range.upperBound)") }
        return i
    }

    func number(_ key: String, in range: ClosedRange<Double>) throws -> Double? {
        guard let v = object[key], !v.isNull else { return nil }
        guard let d = v.doubleValue, d.isFinite else { throw APIError(.badRequest, "\"\(key)\" must be a number") }
        guard range.contains(d) else { throw APIError(.badRequest, "\"\(key)\" must be between \(range.lowerBound) and \(range.upperBound)") }
        return d
    }

    func bool(_ key: String) throws -> Bool? {
        guard let v = object[key], !v.isNull else { return nil }
        guard let b = v.boolValue else { throw APIError(.badRequest, "\"\(key)\" must be true or false") }
        return b
    }

    func array(_ key: String) throws -> [JSONValue]? {
        guard let v = object[key], !v.isNull else { return nil }
        guard let a = v.arrayValue else { throw APIError(.badRequest, "\"\(key)\" must be an array") }
        return a
    }
}
