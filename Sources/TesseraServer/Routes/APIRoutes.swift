import HTTPTypes

/// Every route of the API, as method and path pattern (`{name}` matches one path segment): what the 405 answers'
/// `Allow` header lists and what the tests hold the OpenAPI document to.
enum APIRoutes {
    static let all: [(method: HTTPRequest.Method, path: String)] = [
        (.get, "/health"), (.get, "/metrics"), (.get, "/openapi.json"),
        (.get, "/v1/collections"),
        (.put, "/v1/collections/{name}"), (.get, "/v1/collections/{name}"), (.delete, "/v1/collections/{name}"),
        (.post, "/v1/collections/{name}/documents"),
        (.get, "/v1/collections/{name}/documents/{id}"), (.delete, "/v1/collections/{name}/documents/{id}"),
        (.post, "/v1/collections/{name}/search"),
        (.post, "/v1/embeddings"),
    ]

    /// The methods of the routes whose pattern matches `path`; empty when no route has this path.
    static func methods(for path: String) -> [HTTPRequest.Method] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        return all.filter { route in
            let pattern = route.path.split(separator: "/", omittingEmptySubsequences: false)
            return pattern.count == segments.count && zip(pattern, segments).allSatisfy { p, s in
                p.hasPrefix("{") ? !s.isEmpty : p == s
            }
        }.map(\.method)
    }
}
