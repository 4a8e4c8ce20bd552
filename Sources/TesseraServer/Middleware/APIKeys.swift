import Foundation
import TesseraIO

/// What a request may do.
public enum APIScope: String, Sendable, CaseIterable {
    /// Reading: listing and describing collections, getting documents, searching, embedding, `/metrics`.
    case read
    /// Writing: creating and deleting collections, adding, upserting and deleting documents. Implies `read`.
    case write
}

/// The API keys of `tessera serve --api-keys FILE`: one key per line, then its scopes, comma-separated
/// (`read`, `write`; `write` implies `read`), e.g. `k3y-of-at-least-16-chars read`; `#` starts a comment.
/// Only SHA-256 digests of the keys are kept in memory; a presented key is compared against every digest.
public struct APIKeys: Sendable {
    private var entries: [(digest: [UInt8], scopes: Set<APIScope>)] = []

    /// Keys shorter than this are refused when the file is read.
    public static let minimumLength = 16

    /// Reads the keys file at `path`; a clear error names the line of a malformed entry.
    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw IOError(.missingFile, "cannot read the API keys file \(path)")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw IOError(.invalidUTF8, "\(path) is not UTF-8 text") }
        try self.init(text: text, source: path)
    }

    /// Parses keys from the text of a keys file.
    public init(text: String, source: String = "the API keys") throws {
        for (number, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let fields = line.split(whereSeparator: \.isWhitespace).map(String.init)
            if fields.isEmpty { continue }
            let at = "\(source), line \(number + 1)"
            guard fields.count == 2 else { throw IOError(.invalidFormat, "\(at): expected KEY SCOPES (e.g. read,write)") }
            guard fields[0].utf8.count >= Self.minimumLength else {
                throw IOError(.invalidFormat, "\(at): a key needs at least \(Self.minimumLength) characters")
            }
            var scopes = Set<APIScope>()
            for name in fields[1].split(separator: ",") {
                guard let scope = APIScope(rawValue: String(name)) else {
                    throw IOError(.invalidFormat, "\(at): unknown scope \"\(name)\" (read, write)")
                }
                scopes.insert(scope)
                if scope == .write { scopes.insert(.read) }
            }
            let digest = Self.digest(fields[0])
            guard !entries.contains(where: { $0.digest == digest }) else { throw IOError(.invalidFormat, "\(at): a key listed twice") }
            entries.append((digest, scopes))
        }
        guard !entries.isEmpty else { throw IOError(.invalidFormat, "\(source) holds no key") }
    }

    /// The scopes of `key`, or nil for an unknown key. Every digest is compared in full, whatever matches.
    func scopes(of key: String) -> Set<APIScope>? {
        let presented = Self.digest(key)
        var found: Set<APIScope>? = nil
        for entry in entries {
            var difference: UInt8 = 0
            for (a, b) in zip(entry.digest, presented) { difference |= a ^ b }
            if difference == 0 { found = entry.scopes }
        }
        return found
    }

    private static func digest(_ key: String) -> [UInt8] {
        var hash = SHA256()
        var bytes = Array(key.utf8)
        bytes.withUnsafeBytes { hash.update($0) }
        bytes.removeAll()
        return hash.finalize()
    }
}
