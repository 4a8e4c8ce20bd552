/// The JSON request bodies the API decodes, by route.
public enum APIRequestKind: String, CaseIterable, Sendable {
    /// `PUT /v1/collections/{name}`.
    case createCollection
    /// `POST /v1/collections/{name}/documents`.
    case writeDocuments
    /// `POST /v1/collections/{name}/search`.
    case search
    /// `POST /v1/embeddings`.
    case embeddings
}

extension TesseraAPI {
    /// Decodes `body` as the server decodes a request of `kind` under `configuration`'s limits, without a collection,
    /// a model or the disk, and answers the HTTP status the decoding alone leads to: 200 when the body is a valid
    /// request, else the 4xx the server would answer (`tessera-fuzz request` holds every answer to that).
    public static func decodingStatus(of body: [UInt8], as kind: APIRequestKind, configuration: ServerConfiguration) -> Int {
        do {
            let json = try JSONBody.parse(body)
            switch kind {
            case .createCollection: _ = try CreateCollectionRequest(json)
            case .writeDocuments: _ = try WriteDocumentsRequest(json, maximumBatch: configuration.maximumBatch)
            case .search: _ = try SearchRequest(json, maximumK: configuration.maximumK)
            case .embeddings: _ = try EmbeddingsRequest(json, maximumBatch: configuration.maximumBatch)
            }
            return 200
        } catch {
            return Int(APIError(error).status.code)
        }
    }
}
