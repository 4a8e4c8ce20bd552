import Foundation
import TesseraIO

/// An index folder opened for reading: the manifest, and every array file memory-mapped (never parsed).
///
/// Opening checks, with one-line errors naming the file: the folder and `manifest.json` exist; the manifest is
/// valid, of a known kind (and the expected one, if given) and of a format version this build reads; every listed
/// array file exists with exactly the listed size; and, unless `verifyChecksums` is false, every file's SHA-256
/// matches (call ``verifyChecksums()`` later to check a folder opened without it).
public final class IndexFolder: @unchecked Sendable {
    /// The folder's path.
    public let path: String
    /// The parsed manifest.
    public let manifest: IndexManifest
    private let mapped: [String: MappedFile]

    /// Opens the folder at `path`.
    /// - Parameters:
    ///   - kind: if given, the folder must hold an index of this kind.
    ///   - verifyChecksums: check every array's SHA-256 now (reads every byte once); pass false to open huge
    ///     indexes quickly.
    public init(path: String, kind: IndexKind? = nil, verifyChecksums: Bool = true) throws(IndexError) {
        self.path = path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw IndexError(.missingFolder, "index folder \(path) does not exist" + Self.interruptedCommitHint(path))
        }
        guard isDirectory.boolValue else {
            throw IndexError(.missingFolder, "\(path) is a file, not an index folder")
        }
        let manifestPath = path + "/" + IndexManifest.fileName
        guard FileManager.default.fileExists(atPath: manifestPath) else {
            throw IndexError(.missingManifest, "\(manifestPath) is missing: \(path) is not an index folder (or its build did not finish)")
        }
        let manifestBytes: [UInt8]
        do {
            let file = try MappedFile(path: manifestPath)
            manifestBytes = Array(file.bytes)
        } catch {
            throw IndexError(.readFailed, "cannot read \(manifestPath): \(error.message)")
        }
        let manifest = try IndexManifest.decode(manifestBytes, path: manifestPath)
        if let kind, manifest.kind != kind {
            throw IndexError(.wrongKind, "\(path) holds a \(manifest.kind) index, expected a \(kind) index")
        }
        var mapped: [String: MappedFile] = [:]
        for info in manifest.arrays {
            let filePath = path + "/" + info.file
            guard FileManager.default.fileExists(atPath: filePath) else {
                throw IndexError(.missingArray, "\(filePath) is missing (array \"\(info.name)\" of the manifest)")
            }
            let file: MappedFile
            do { file = try MappedFile(path: filePath) } catch {
                throw IndexError(.readFailed, "cannot map \(filePath): \(error.message)")
            }
            guard file.bytes.count == info.byteCount else {
                throw IndexError(.sizeMismatch,
                                 "\(filePath) has \(file.bytes.count) bytes, the manifest says \(info.byteCount) (\(info.count) \(info.dtype.rawValue)): truncated or overwritten")
            }
            mapped[info.name] = file
        }
        self.manifest = manifest
        self.mapped = mapped
        if verifyChecksums { try self.verifyChecksums() }
    }

    /// Checks the SHA-256 of every array file against the manifest.
    public func verifyChecksums() throws(IndexError) {
        for info in manifest.arrays {
            guard let file = mapped[info.name] else { continue }
            let digest = SHA256.hex(of: file.bytes)
            guard digest == info.sha256 else {
                throw IndexError(.checksumMismatch,
                                 "\(path)/\(info.file): SHA-256 \(digest) does not match the manifest (\(info.sha256)): the file is corrupted")
            }
        }
    }

    /// Whether the manifest lists an array called `name`.
    public func hasArray(_ name: String) -> Bool { mapped[name] != nil }

    /// The memory-mapped array called `name`, which must have element type `T`.
    public func array<T: IndexScalar>(_ name: String, as type: T.Type = T.self) throws(IndexError) -> IndexArray<T> {
        guard let info = manifest.array(named: name), let file = mapped[name] else {
            throw IndexError(.missingArray, "\(path)/\(IndexManifest.fileName) lists no array \"\(name)\"")
        }
        guard info.dtype == T.indexScalarType else {
            throw IndexError(.invalidArray, "\(path)/\(info.file): holds \(info.dtype.rawValue), expected \(T.indexScalarType.rawValue)")
        }
        return IndexArray(mapped: file)
    }

    /// The array called `name`, which must hold exactly `count` elements of type `T`.
    public func array<T: IndexScalar>(_ name: String, as type: T.Type = T.self, count: Int) throws(IndexError) -> IndexArray<T> {
        let a = try array(name, as: type)
        guard a.count == count else {
            throw IndexError(.invalidArray, "\(path)/\(name).bin: has \(a.count) elements, expected \(count)")
        }
        return a
    }

    /// The strings written with ``IndexFolderWriter/addStrings(_:_:)`` under `name` (offsets checked).
    public func strings(_ name: String) throws(IndexError) -> StringTable {
        try StringTable(bytes: try array(name + ".bytes", as: UInt8.self),
                        offsets: try array(name + ".offsets", as: Int64.self), name: "\(path)/\(name)")
    }

    /// The documents' external ids, as written by `IndexFolderWriter.addDocumentIDs`.
    public func documentIDs() throws(IndexError) -> StringTable {
        try strings(IndexFolderWriter.documentIDsName)
    }

    /// The manifest count called `key`; throws if it is missing.
    public func count(_ key: String) throws(IndexError) -> Int {
        guard let value = manifest.counts[key] else {
            throw IndexError(.invalidManifest, "\(path)/\(IndexManifest.fileName): missing count \"\(key)\"")
        }
        return value
    }

    /// A hint when an interrupted commit left the previous index renamed aside.
    private static func interruptedCommitHint(_ path: String) -> String {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        let parent = url.deletingLastPathComponent().path
        let prefix = "." + url.lastPathComponent + ".old-"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: parent),
              let old = names.sorted().first(where: { $0.hasPrefix(prefix) }) else { return "" }
        return " (a previous index was left at \(parent)/\(old) by an interrupted write; writing the index again restores or replaces it)"
    }
}
