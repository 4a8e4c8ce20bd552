import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Plain HTTP requests to a local test server (URLSession), for server tests.
public enum HTTPTestClient {
    /// A response: status and body; nil when the connection failed (a server that is down or was killed).
    public struct Response: Sendable {
        /// The HTTP status.
        public var status: Int
        /// The body bytes.
        public var body: [UInt8]
        /// The response headers, names lowercased.
        public var headers: [String: String]
        /// Makes a response.
        public init(status: Int, body: [UInt8], headers: [String: String] = [:]) {
            self.status = status
            self.body = body
            self.headers = headers
        }
        /// The body as text.
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// Sends one request and waits for the answer (blocking the calling thread).
    public static func send(_ method: String, port: Int, _ path: String, body: [UInt8]? = nil, headers: [String: String] = [:],
                            timeout: TimeInterval = 60) -> Response? {
        guard let url = URL(string: "http://127.0.0.1:\(port)\(path)") else { return nil }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.httpBody = body.map { Data($0) }
        request.timeoutInterval = timeout
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let done = DispatchSemaphore(value: 0)
        let slot = LockedValue<Response?>(nil)
        URLSession.shared.dataTask(with: request) { data, response, _ in
            if let http = response as? HTTPURLResponse {
                var fields: [String: String] = [:]
                for (name, value) in http.allHeaderFields {
                    if let name = name as? String, let value = value as? String { fields[name.lowercased()] = value }
                }
                slot.set(Response(status: http.statusCode, body: [UInt8](data ?? Data()), headers: fields))
            }
            done.signal()
        }.resume()
        done.wait()
        return slot.value
    }

    /// Sends text.
    public static func send(_ method: String, port: Int, _ path: String, _ text: String?) -> Response? {
        send(method, port: port, path, body: text.map { Array($0.utf8) })
    }
}
