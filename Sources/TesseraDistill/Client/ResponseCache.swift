import Foundation
import TesseraIO

/// Responses on disk, addressed by the SHA-256 of the exact request (URL + body bytes; the API key is not part of
/// it): a rerun sends nothing that was answered before, and an interrupted run resumes where it stopped.
///
/// Each entry is `<folder>/<first two hex digits>/<hash>.json`, `{"url", "request", "response"}`, written to a
/// temporary file and renamed into place; an entry whose request does not match (or that does not parse) is
/// treated as missing and replaced.
public struct ResponseCache: Sendable {
    /// The cache folder.
    public let folder: String

    /// A cache in `folder` (created when missing).
    public init(folder: String) throws(DistillError) {
        self.folder = folder
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw DistillError(.io, "cannot create the LLM cache folder \(folder): \(error.localizedDescription)")
        }
    }

    /// The key of a request.
    public static func key(url: String, body: [UInt8]) -> String {
        var hash = SHA256()
        Array(url.utf8).withUnsafeBytes { hash.update($0) }
        [UInt8(0x0A)].withUnsafeBytes { hash.update($0) }
        body.withUnsafeBytes { hash.update($0) }
        return hash.finalizeHex()
    }

    private func path(of key: String) -> (folder: String, file: String) {
        let sub = folder + "/" + String(key.prefix(2))
        return (sub, sub + "/" + key + ".json")
    }

    /// The stored response to this exact request, if any.
    public func response(url: String, body: [UInt8]) -> JSONValue? {
        let key = Self.key(url: url, body: body)
        guard let data = FileManager.default.contents(atPath: path(of: key).file),
              let entry = try? JSONValue.parse(data).objectValue,
              entry["url"]?.stringValue == url,
              let request = entry["request"], let sent = try? JSONValue.parse(body), request == sent,
              let response = entry["response"] else { return nil }
        return response
    }

    /// Stores the response to a request.
    public func store(url: String, body: [UInt8], response: JSONValue) throws(DistillError) {
        let key = Self.key(url: url, body: body)
        let (sub, file) = path(of: key)
        let request: JSONValue
        do { request = try JSONValue.parse(body) } catch { throw DistillError(.invalidArgument, "a request body is not JSON: \(error)") }
        let entry = JSONValue.object(JSONObject([("url", .string(url)), ("request", request), ("response", response)]))
        do {
            try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
        } catch {
            throw DistillError(.io, "cannot create \(sub): \(error.localizedDescription)")
        }
        do {
            let out = try AtomicFile(destination: file)
            try out.write(JSONWriter.encode(entry) + [0x0A])
            try out.commit()
        } catch {
            throw DistillError(.io, "cannot write the LLM cache entry \(file): \(error.message)")
        }
    }
}
