import TesseraIO

/// The kind of index a folder holds. Format version 2 writes it as the CLI names it (`"kind"`: `bm25`, `dense`,
/// `tokens`, `documents`) plus a `"layout"` where a kind has two (tokens: `exact` or `warp`); version 1 wrote
/// ``rawValue`` (`tokens-warp` for a compressed token index).
public struct IndexKind: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The manifest spelling, e.g. `"bm25"`.
    public let rawValue: String

    /// Wraps a manifest spelling.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// Wraps a manifest spelling.
    public init(stringLiteral value: String) { rawValue = value }

    /// BM25 inverted index (this module's ``BM25Index``).
    public static let bm25: IndexKind = "bm25"
    /// Exact (flat) dense vectors, one per document.
    public static let dense: IndexKind = "dense"
    /// Dense vectors with an HNSW graph.
    public static let hnsw: IndexKind = "hnsw"
    /// Token (multi-vector) index.
    public static let tokens: IndexKind = "tokens"
    /// Document store (ids, titles, texts).
    public static let documents: IndexKind = "documents"

    /// The kinds this build can read; a manifest naming another kind is refused.
    public static let known: Set<IndexKind> = [.bm25, .dense, .hnsw, .tokens, .documents, "tokens-warp"]

    /// The `kind` and `layout` format version 2 writes for this kind (nil: not a kind version 2 has).
    var versionTwoSpelling: (kind: String, layout: String?)? {
        switch rawValue {
        case "bm25", "dense", "documents", "hnsw": return (rawValue, nil)
        case "tokens": return ("tokens", "exact")
        case "tokens-warp": return ("tokens", "warp")
        default: return nil
        }
    }

    /// The kinds format version 2 has (each with a ``versionTwoSpelling``).
    static let versionTwoKinds: [IndexKind] = [.bm25, .dense, .documents, .hnsw, .tokens, "tokens-warp"]

    /// The `kind` names format version 2 has, sorted.
    static var versionTwoNames: [String] { Array(Set(versionTwoKinds.compactMap { $0.versionTwoSpelling?.kind })).sorted() }

    /// The kind a version-2 manifest's `kind` and `layout` name, or nil.
    static func versionTwo(kind: String, layout: String?) -> IndexKind? {
        versionTwoKinds.first { $0.versionTwoSpelling.map { $0 == (kind, layout) } ?? false }
    }

    /// The manifest spelling.
    public var description: String { rawValue }
}

/// One array file of an index folder, as listed in the manifest.
public struct IndexArrayInfo: Sendable, Equatable {
    /// The array's name (unique in the folder), e.g. `"postings.documents"`.
    public var name: String
    /// The file name inside the folder (`<name>.bin`).
    public var file: String
    /// The element type.
    public var dtype: IndexScalarType
    /// The number of elements.
    public var count: Int
    /// The file size in bytes (`count × dtype.byteWidth`).
    public var byteCount: Int
    /// Lowercase hex SHA-256 of the file.
    public var sha256: String
}

/// The contents of `manifest.json`: what the index is, how it was built and which array files it has.
///
/// ```json
/// {"format":"tessera-index","format_version":2,"kind":"bm25","model":null,"dimension":null,
///  "parameters":{...},"counts":{"documents":5183,...},
///  "arrays":[{"name":"postings.documents","file":"postings.documents.bin","dtype":"int32",
///             "count":123,"bytes":492,"sha256":"..."}]}
/// ```
public struct IndexManifest: Sendable, Equatable {
    /// The format version this build writes and the newest it reads. Version 1 folders (kind `tokens-warp` for a
    /// compressed token index, no `layout`) still open; Tessera never writes one, and never writes into a folder it
    /// opened (a collection's merge writes a new segment), so they are read-only.
    public static let currentFormatVersion = 2
    /// The manifest's `format` marker.
    public static let formatName = "tessera-index"
    /// The manifest's file name.
    public static let fileName = "manifest.json"

    /// The format version of the folder.
    public var formatVersion: Int
    /// What kind of index this is.
    public var kind: IndexKind
    /// The model identity (an object, e.g. name and weights checksum) or `.null` for model-free indexes.
    public var model: JSONValue
    /// The vector dimension, if the index holds vectors.
    public var dimension: Int?
    /// Build parameters (kind-specific).
    public var parameters: JSONObject
    /// Counts (documents, terms, vectors, ...), written with keys sorted.
    public var counts: [String: Int]
    /// The array files.
    public var arrays: [IndexArrayInfo]

    /// Makes a manifest.
    public init(formatVersion: Int = IndexManifest.currentFormatVersion, kind: IndexKind, model: JSONValue = .null,
                dimension: Int? = nil, parameters: JSONObject = JSONObject(), counts: [String: Int] = [:],
                arrays: [IndexArrayInfo] = []) {
        self.formatVersion = formatVersion
        self.kind = kind
        self.model = model
        self.dimension = dimension
        self.parameters = parameters
        self.counts = counts
        self.arrays = arrays
    }

    /// The array called `name`, if listed.
    public func array(named name: String) -> IndexArrayInfo? {
        arrays.first { $0.name == name }
    }

    /// Throws ``IndexError/Code/incompatibleModel`` unless the index was built with `model` and `dimension`.
    public func requireModel(_ model: JSONValue, dimension: Int?, folder: String) throws(IndexError) {
        guard self.model == model, self.dimension == dimension else {
            let built = String(decoding: JSONWriter.encode(self.model), as: UTF8.self)
            let wanted = String(decoding: JSONWriter.encode(model), as: UTF8.self)
            throw IndexError(.incompatibleModel,
                             "\(folder): index was built with model \(built) and dimension \(self.dimension.map(String.init) ?? "none"), "
                                 + "but the query model is \(wanted) with dimension \(dimension.map(String.init) ?? "none")")
        }
    }

    // MARK: JSON

    /// The manifest as compact JSON bytes (with a trailing newline).
    public func encoded() -> [UInt8] {
        var entries: [(key: String, value: JSONValue)] = [
            ("format", .string(Self.formatName)),
            ("format_version", .number(Double(formatVersion))),
        ]
        if formatVersion >= 2, let spelling = kind.versionTwoSpelling {
            entries.append(("kind", .string(spelling.kind)))
            if let layout = spelling.layout { entries.append(("layout", .string(layout))) }
        } else {
            entries.append(("kind", .string(kind.rawValue)))
        }
        entries += [
            ("model", model),
            ("dimension", dimension.map { .number(Double($0)) } ?? .null),
            ("parameters", .object(parameters)),
            ("counts", .object(JSONObject(counts.sorted { $0.key < $1.key }.map { ($0.key, .number(Double($0.value))) }))),
        ]
        let arrayValues: [JSONValue] = arrays.map { a in
            .object(JSONObject([
                ("name", .string(a.name)), ("file", .string(a.file)), ("dtype", .string(a.dtype.rawValue)),
                ("count", .number(Double(a.count))), ("bytes", .number(Double(a.byteCount))),
                ("sha256", .string(a.sha256)),
            ]))
        }
        entries.append(("arrays", .array(arrayValues)))
        var out = JSONWriter.encode(.object(JSONObject(entries)))
        out.append(UInt8(ascii: "\n"))
        return out
    }

    /// Parses and validates manifest bytes; `path` names the file in errors.
    public static func decode(_ bytes: [UInt8], path: String) throws(IndexError) -> IndexManifest {
        let value: JSONValue
        do { value = try JSONValue.parse(bytes) } catch {
            throw IndexError(.invalidManifest, "\(path): not valid JSON (\(error.description))")
        }
        guard let object = value.objectValue else { throw IndexError(.invalidManifest, "\(path): expected a JSON object") }
        func field(_ key: String) throws(IndexError) -> JSONValue {
            guard let v = object[key] else { throw IndexError(.invalidManifest, "\(path): missing field \"\(key)\"") }
            return v
        }
        func int(_ v: JSONValue, _ what: String) throws(IndexError) -> Int {
            guard let i = v.intValue, i >= 0 else {
                throw IndexError(.invalidManifest, "\(path): \(what) is not a non-negative integer")
            }
            return i
        }
        guard try field("format").stringValue == formatName else {
            throw IndexError(.invalidManifest, "\(path): \"format\" is not \"\(formatName)\"")
        }
        guard let version = try field("format_version").intValue else {
            throw IndexError(.invalidManifest, "\(path): \"format_version\" is not an integer")
        }
        guard version <= currentFormatVersion else {
            throw IndexError(.unsupportedFormatVersion,
                             "\(path): index format version \(version) is newer than this build reads (up to \(currentFormatVersion)); rebuild the index or update Tessera")
        }
        guard version >= 1 else {
            throw IndexError(.unsupportedFormatVersion, "\(path): unknown index format version \(version)")
        }
        guard let kindName = try field("kind").stringValue else {
            throw IndexError(.invalidManifest, "\(path): \"kind\" is not a string")
        }
        let kind: IndexKind
        if version == 1 {
            kind = IndexKind(rawValue: kindName)
            guard IndexKind.known.contains(kind) else {
                throw IndexError(.unknownKind,
                                 "\(path): unknown index kind \"\(kindName)\" (known in format version 1: \(IndexKind.known.map(\.rawValue).sorted().joined(separator: ", ")))")
            }
            guard object["layout"] == nil else { throw IndexError(.invalidManifest, "\(path): format version 1 has no \"layout\"") }
        } else {
            let layoutValue = object["layout"]
            let layout = layoutValue?.stringValue
            guard layoutValue == nil || layout != nil else { throw IndexError(.invalidManifest, "\(path): \"layout\" is not a string") }
            guard IndexKind.versionTwoNames.contains(kindName) else {
                throw IndexError(.unknownKind, "\(path): unknown index kind \"\(kindName)\" (known: \(IndexKind.versionTwoNames.joined(separator: ", ")))")
            }
            guard let k = IndexKind.versionTwo(kind: kindName, layout: layout) else {
                throw IndexError(.invalidManifest, kindName == "tokens"
                    ? "\(path): a tokens index needs \"layout\" exact or warp, not \(layout.map { "\"\($0)\"" } ?? "none")"
                    : "\(path): a \(kindName) index has no \"layout\" (found \"\(layout ?? "")\")")
            }
            kind = k
        }
        let model = try field("model")
        guard model.isNull || model.objectValue != nil else {
            throw IndexError(.invalidManifest, "\(path): \"model\" must be an object or null")
        }
        let dimensionValue = try field("dimension")
        let dimension: Int? = dimensionValue.isNull ? nil : try int(dimensionValue, "\"dimension\"")
        guard let parameters = try field("parameters").objectValue else {
            throw IndexError(.invalidManifest, "\(path): \"parameters\" is not an object")
        }
        guard let countsObject = try field("counts").objectValue else {
            throw IndexError(.invalidManifest, "\(path): \"counts\" is not an object")
        }
        var counts: [String: Int] = [:]
        for entry in countsObject.entries {
            counts[entry.key] = try int(entry.value, "count \"\(entry.key)\"")
        }
        guard let arrayValues = try field("arrays").arrayValue else {
            throw IndexError(.invalidManifest, "\(path): \"arrays\" is not an array")
        }
        var arrays: [IndexArrayInfo] = []
        var names = Set<String>(), files = Set<String>()
        for (i, v) in arrayValues.enumerated() {
            guard let a = v.objectValue else { throw IndexError(.invalidManifest, "\(path): arrays[\(i)] is not an object") }
            guard let name = a["name"]?.stringValue, let file = a["file"]?.stringValue,
                  let dtypeName = a["dtype"]?.stringValue, let countValue = a["count"],
                  let bytesValue = a["bytes"], let sha = a["sha256"]?.stringValue else {
                throw IndexError(.invalidManifest, "\(path): arrays[\(i)] lacks name, file, dtype, count, bytes or sha256")
            }
            guard let dtype = IndexScalarType(rawValue: dtypeName) else {
                throw IndexError(.invalidManifest, "\(path): array \"\(name)\" has unknown dtype \"\(dtypeName)\"")
            }
            guard isSafeFileName(file) else {
                throw IndexError(.invalidManifest, "\(path): array \"\(name)\" has an invalid file name \"\(file)\"")
            }
            guard names.insert(name).inserted, files.insert(file).inserted else {
                throw IndexError(.invalidManifest, "\(path): array \"\(name)\" (file \(file)) is listed twice")
            }
            let count = try int(countValue, "array \"\(name)\" count")
            let byteCount = try int(bytesValue, "array \"\(name)\" bytes")
            guard count.multipliedReportingOverflow(by: dtype.byteWidth) == (byteCount, false) else {
                throw IndexError(.invalidManifest,
                                 "\(path): array \"\(name)\" lists \(count) \(dtype.rawValue) elements but \(byteCount) bytes")
            }
            arrays.append(IndexArrayInfo(name: name, file: file, dtype: dtype, count: count, byteCount: byteCount,
                                         sha256: sha.lowercased()))
        }
        return IndexManifest(formatVersion: version, kind: kind, model: model, dimension: dimension,
                             parameters: parameters, counts: counts, arrays: arrays)
    }

    /// A plain file name: letters, digits, `.`, `_`, `-`; not starting with `.`; not the manifest.
    static func isSafeFileName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 200, !name.hasPrefix("."), name != fileName else { return false }
        return name.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                || b == UInt8(ascii: ".") || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
        }
    }
}
