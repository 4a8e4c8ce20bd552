import Foundation
import TesseraIO

/// What a collection is: its model and the index kinds it keeps. Written once, when the collection is created, as
/// `collection.json`; strict on reading (a known format and version, every field of the right type).
public struct CollectionConfiguration: Sendable, Equatable {
    /// The file name inside the collection folder.
    public static let fileName = "collection.json"
    /// The `format` field.
    static let format = "tessera-collection"
    /// The format version this build writes and reads.
    public static let formatVersion = 1

    /// The model folder (resolved when the collection was created); nil for a BM25-only collection.
    public var modelFolder: String?
    /// The model's fingerprint at creation (nil without a model).
    public var modelFingerprint: String?
    /// The index kinds kept, in a fixed order.
    public var indexes: [CollectionIndex]

    /// Makes a configuration; `indexes` must not be empty and needs a model unless it is BM25 alone.
    public init(modelFolder: String?, modelFingerprint: String?, indexes: Set<CollectionIndex>) throws(CollectionError) {
        guard !indexes.isEmpty else { throw CollectionError(.invalidInput, "a collection needs at least one index (dense, tokens, bm25)") }
        if indexes.contains(where: \.needsModel) && modelFolder == nil {
            throw CollectionError(.invalidInput, "a collection with \(indexes.filter(\.needsModel).map(\.rawValue).sorted().joined(separator: ", ")) needs a model")
        }
        self.modelFolder = modelFolder
        self.modelFingerprint = modelFingerprint
        self.indexes = indexes.sorted()
    }

    func encoded() -> [UInt8] {
        let object = JSONObject([
            ("format", .string(Self.format)), ("format_version", .number(Double(Self.formatVersion))),
            ("model_folder", modelFolder.map(JSONValue.string) ?? .null),
            ("model_fingerprint", modelFingerprint.map(JSONValue.string) ?? .null),
            ("indexes", .array(indexes.map { .string($0.rawValue) })),
        ])
        return JSONWriter.encode(.object(object)) + Array("\n".utf8)
    }

    static func decode(_ bytes: [UInt8], path: String) throws(CollectionError) -> CollectionConfiguration {
        func bad(_ why: String) -> CollectionError { CollectionError(.corrupted, "\(path): \(why)") }
        guard let object = (try? JSONValue.parse(bytes))?.objectValue else { throw bad("not a JSON object") }
        guard object["format"]?.stringValue == format else { throw bad("not a Tessera collection (format is not \"\(format)\")") }
        guard let version = object["format_version"]?.intValue else { throw bad("no format_version") }
        guard version == formatVersion else {
            throw CollectionError(.corrupted, "\(path): format version \(version), this Tessera reads version \(formatVersion)")
        }
        func optionalString(_ key: String) throws(CollectionError) -> String? {
            guard let value = object[key], !value.isNull else { return nil }
            guard let s = value.stringValue else { throw bad("\(key) must be a string or null") }
            return s
        }
        guard let names = object["indexes"]?.arrayValue else { throw bad("indexes must be an array") }
        var indexes = Set<CollectionIndex>()
        for name in names {
            guard let s = name.stringValue, let index = CollectionIndex(rawValue: s) else { throw bad("unknown index \(name)") }
            indexes.insert(index)
        }
        do {
            return try CollectionConfiguration(modelFolder: try optionalString("model_folder"), modelFingerprint: try optionalString("model_fingerprint"),
                                               indexes: indexes)
        } catch { throw bad(error.message) }
    }
}
