import Foundation
import TesseraModels

/// Settings of `tessera serve`.
public struct ServerConfiguration: Sendable {
    /// Address to bind (loopback unless told otherwise).
    public var host = "127.0.0.1"
    /// Port (0: any free port).
    public var port = 8080
    /// The folder that holds the collections.
    public var dataDirectory: String
    /// Largest request body accepted, in bytes (413 above).
    public var maximumBodyBytes = 32 << 20
    /// Largest `k` of a search (400 above).
    public var maximumK = 1000
    /// Largest number of texts of one embeddings request, or documents of one write.
    public var maximumBatch = 4096
    /// Request jobs (encoding, searches, writes) run at once; more wait in a queue.
    public var maximumRunning = ProcessInfo.processInfo.activeProcessorCount
    /// Jobs that may wait; a request that finds the queue full is answered 429 with `Retry-After`.
    public var maximumWaiting = 64
    /// Time a request's work may take, queueing included, before it is answered 503.
    public var timeout: Duration = .seconds(30)
    /// API keys (bearer, read and write scopes); nil: no key needed (the default, for a loopback server).
    public var apiKeys: APIKeys?
    /// Models served by name besides those of the model cache (`tessera models fetch`): name → folder.
    public var models: [String: String] = [:]

    /// Defaults for the data folder `dataDirectory`.
    public init(dataDirectory: String) { self.dataDirectory = dataDirectory }
}

extension ServerConfiguration {
    /// The folder of the model a request names: one of ``models``, or a model of the cache; never a path.
    func modelFolder(_ name: String) throws -> String {
        if let folder = models[name] { return folder }
        guard !name.isEmpty, !name.contains("/"), !name.hasPrefix(".") else {
            throw APIError(.badRequest, "\"model\" names a served model (e.g. all-MiniLM-L6-v2), not a path")
        }
        var isDirectory: ObjCBool = false
        let folder = ModelStore.cacheFolder + "/" + name
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw APIError(.notFound, "no model \"\(name)\" on this server")
        }
        return folder
    }
}
