#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import TesseraIO

/// Writes an index folder atomically: every array file and the manifest go into a hidden temporary sibling
/// folder (`.<name>.tmp-<pid>-<random>`), and ``commit()`` renames it into place.
///
/// Crash safety:
/// - Until ``commit()`` the destination is untouched. The manifest is written last, so a temporary folder left by a
///   crash has no `manifest.json` unless the crash fell inside `commit()`; either way its hidden `.tmp-` name is never
///   the path anyone opens, and the next writer for the same destination removes it.
/// - An existing index at the destination is replaced only at the very end: it is renamed away to
///   `.<name>.old-<pid>-<random>`, the new folder is renamed in, then the old one is deleted. If a crash falls
///   between the two renames, the next writer for that destination renames the old index back first.
/// - A writer that is dropped without ``commit()`` (an error, a thrown exception) deletes its temporary folder.
///
/// A destination that exists but is not an index folder (no `manifest.json` and not empty) is never replaced.
public final class IndexFolderWriter {
    /// Where the index appears after ``commit()``.
    public let destination: String
    /// The hidden temporary folder being written.
    public let temporaryPath: String
    /// The kind written to the manifest.
    public let kind: IndexKind
    /// The model identity written to the manifest (an object, or `.null` for model-free indexes).
    public var model: JSONValue = .null
    /// The vector dimension written to the manifest, if any.
    public var dimension: Int? = nil
    /// Build parameters written to the manifest.
    public var parameters = JSONObject()
    /// Counts written to the manifest.
    public var counts: [String: Int] = [:]

    private var arrays: [IndexArrayInfo] = []
    private var openStreams = Set<String>()
    private var done = false

    /// Creates the temporary folder beside `destination` (whose parent folder must exist).
    ///
    /// Also tidies up after earlier crashed writers of the same destination: removes their temporary folders and,
    /// if the destination is missing but a previous index was renamed away and never deleted, renames it back.
    public init(destination: String, kind: IndexKind) throws(IndexError) {
        let url = URL(fileURLWithPath: destination).standardizedFileURL
        self.destination = url.path
        self.kind = kind
        let parent = url.deletingLastPathComponent().path
        let base = url.lastPathComponent
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw IndexError(.writeFailed, "cannot write index \(destination): folder \(parent) does not exist")
        }
        try Self.checkReplaceable(self.destination)
        Self.recoverInterruptedCommits(parent: parent, base: base, destination: self.destination)
        temporaryPath = parent + "/." + base + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        guard mkdir(temporaryPath, 0o755) == 0 else {
            throw IndexError(.writeFailed, "cannot create \(temporaryPath): \(String(cString: strerror(errno)))")
        }
    }

    deinit {
        if !done { try? FileManager.default.removeItem(atPath: temporaryPath) }
    }

    /// Deletes the temporary folder; the destination stays as it was. The writer cannot be used afterwards.
    public func abandon() {
        guard !done else { return }
        done = true
        try? FileManager.default.removeItem(atPath: temporaryPath)
    }

    // MARK: Arrays

    /// Writes a whole array named `name` (file `<name>.bin`).
    public func addArray<T: IndexScalar>(_ name: String, _ values: [T]) throws(IndexError) {
        try values.withUnsafeBufferPointer { (buffer: UnsafeBufferPointer<T>) throws(IndexError) in
            try addArray(name, buffer)
        }
    }

    /// Writes a whole array named `name` from memory (file `<name>.bin`).
    public func addArray<T: IndexScalar>(_ name: String, _ values: UnsafeBufferPointer<T>) throws(IndexError) {
        let stream = try beginArray(name, of: T.self)
        try stream.append(values)
        try stream.finish()
    }

    /// Writes an ``IndexArray`` (e.g. one that was memory-mapped from another folder).
    public func addArray<T: IndexScalar>(_ name: String, _ values: IndexArray<T>) throws(IndexError) {
        try values.withUnsafeBufferPointer { (buffer: UnsafeBufferPointer<T>) throws(IndexError) in
            try addArray(name, buffer)
        }
    }

    /// Starts an array that is appended piece by piece (for arrays too large to hold in memory); call
    /// ``IndexArrayStream/finish()`` before ``commit()``.
    public func beginArray<T: IndexScalar>(_ name: String, of type: T.Type) throws(IndexError) -> IndexArrayStream<T> {
        try checkOpen()
        let file = name + ".bin"
        guard IndexManifest.isSafeFileName(file) else {
            throw IndexError(.invalidArgument, "invalid array name \"\(name)\" (use letters, digits, '.', '_', '-')")
        }
        guard !openStreams.contains(name), !arrays.contains(where: { $0.name == name }) else {
            throw IndexError(.invalidArgument, "array \"\(name)\" is written twice")
        }
        let atomic: AtomicFile
        do { atomic = try AtomicFile(destination: temporaryPath + "/" + file) } catch {
            throw IndexError(.writeFailed, error.message)
        }
        openStreams.insert(name)
        return IndexArrayStream(name: name, file: file, atomic: atomic, writer: self)
    }

    /// Writes strings as a UTF-8 blob `<name>.bytes` (uint8) and `count + 1` offsets `<name>.offsets` (int64);
    /// read back with ``IndexFolder/strings(_:)``.
    public func addStrings(_ name: String, _ strings: some Sequence<String>) throws(IndexError) {
        let bytes = try beginArray(name + ".bytes", of: UInt8.self)
        var offsets: [Int64] = [0]
        var total: Int64 = 0
        var chunk: [UInt8] = []
        chunk.reserveCapacity(1 << 16)
        for s in strings {
            chunk.append(contentsOf: s.utf8)
            total += Int64(s.utf8.count)
            offsets.append(total)
            if chunk.count >= 1 << 16 {
                try bytes.append(chunk)
                chunk.removeAll(keepingCapacity: true)
            }
        }
        try bytes.append(chunk)
        try bytes.finish()
        try addArray(name + ".offsets", offsets)
    }

    /// Writes a ``StringTable`` under `name` (same layout as ``addStrings(_:_:)``).
    public func addStrings(_ name: String, _ table: StringTable) throws(IndexError) {
        try addArray(name + ".bytes", table.bytes)
        try addArray(name + ".offsets", table.offsets)
    }

    /// The standard name of the document external ids (`document_ids.bytes`, `document_ids.offsets`), shared
    /// by every index kind.
    public static let documentIDsName = "document_ids"

    /// Writes the documents' external ids in document order (see ``IndexFolder/documentIDs()``).
    public func addDocumentIDs(_ ids: some Sequence<String>) throws(IndexError) {
        try addStrings(Self.documentIDsName, ids)
    }

    /// Writes the documents' external ids from a table.
    public func addDocumentIDs(_ ids: StringTable) throws(IndexError) {
        try addStrings(Self.documentIDsName, ids)
    }

    fileprivate func finished(_ info: IndexArrayInfo) {
        openStreams.remove(info.name)
        arrays.append(info)
    }

    private func checkOpen() throws(IndexError) {
        guard !done else { throw IndexError(.invalidArgument, "index writer for \(destination) was already committed or abandoned") }
    }

    // MARK: Commit

    /// Writes the manifest, syncs, and renames the folder into place (replacing an older index last).
    public func commit() throws(IndexError) {
        try checkOpen()
        guard openStreams.isEmpty else {
            throw IndexError(.invalidArgument, "cannot commit \(destination): array \(openStreams.sorted().joined(separator: ", ")) not finished")
        }
        // The rule the reader enforces, checked before anything is renamed into place.
        guard model.isNull || model.objectValue != nil else {
            throw IndexError(.invalidArgument, "cannot commit \(destination): the model identity must be an object or null")
        }
        let manifest = IndexManifest(kind: kind, model: model, dimension: dimension, parameters: parameters,
                                     counts: counts, arrays: arrays)
        do {
            let file = try AtomicFile(destination: temporaryPath + "/" + IndexManifest.fileName)
            try file.write(manifest.encoded())
            try file.commit()
        } catch {
            throw IndexError(.writeFailed, "cannot write \(temporaryPath)/\(IndexManifest.fileName): \(error.message)")
        }
        try Self.syncFolder(temporaryPath)
        try Self.checkReplaceable(destination)

        let url = URL(fileURLWithPath: destination)
        let parent = url.deletingLastPathComponent().path
        var oldPath: String? = nil
        if FileManager.default.fileExists(atPath: destination) {
            let moved = parent + "/." + url.lastPathComponent + ".old-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            guard rename(destination, moved) == 0 else {
                throw IndexError(.writeFailed, "cannot move the previous index \(destination) aside: \(String(cString: strerror(errno)))")
            }
            oldPath = moved
        }
        guard rename(temporaryPath, destination) == 0 else {
            let reason = String(cString: strerror(errno))
            if let oldPath { _ = rename(oldPath, destination) }
            throw IndexError(.writeFailed, "cannot rename \(temporaryPath) to \(destination): \(reason)")
        }
        done = true
        try? Self.syncFolder(parent)
        if let oldPath { try? FileManager.default.removeItem(atPath: oldPath) }
    }

    // MARK: Helpers

    /// Refuses to replace anything but a missing path, an empty folder or an index folder.
    private static func checkReplaceable(_ destination: String) throws(IndexError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: destination, isDirectory: &isDirectory) else { return }
        guard isDirectory.boolValue else {
            throw IndexError(.destinationNotIndex, "refusing to replace \(destination): it is a file, not an index folder")
        }
        if FileManager.default.fileExists(atPath: destination + "/" + IndexManifest.fileName) { return }
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: destination)) ?? []
        guard contents.isEmpty else {
            throw IndexError(.destinationNotIndex,
                             "refusing to replace \(destination): the folder is not empty and has no \(IndexManifest.fileName)")
        }
    }

    /// Removes temporary folders of dead writers of `base`; restores an index renamed away by an interrupted commit.
    private static func recoverInterruptedCommits(parent: String, base: String, destination: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: parent) else { return }
        let tmpPrefix = "." + base + ".tmp-", oldPrefix = "." + base + ".old-"
        var restored = FileManager.default.fileExists(atPath: destination)
        for name in names.sorted() {
            let isTemp = name.hasPrefix(tmpPrefix), isOld = name.hasPrefix(oldPrefix)
            guard isTemp || isOld else { continue }
            let rest = name.dropFirst(isTemp ? tmpPrefix.count : oldPrefix.count)
            guard let pid = rest.split(separator: "-").first.flatMap({ Int32($0) }), !processIsAlive(pid) else { continue }
            let path = parent + "/" + name
            if isOld, !restored, FileManager.default.fileExists(atPath: path + "/" + IndexManifest.fileName),
               rename(path, destination) == 0 {
                restored = true
                continue
            }
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    private static func processIsAlive(_ pid: Int32) -> Bool {
        if pid == getpid() { return true }
        return kill(pid, 0) == 0 || errno == EPERM
    }

    static func syncFolder(_ path: String) throws(IndexError) {
        do { try AtomicFile.syncFolder(path) } catch { throw IndexError(.writeFailed, error.message) }
    }
}

/// An array being written piece by piece into an ``IndexFolderWriter``; its SHA-256 and size are computed as it goes.
public final class IndexArrayStream<Element: IndexScalar> {
    /// The array's name.
    public let name: String
    /// The number of elements appended so far.
    public private(set) var count = 0
    private let file: String
    private let atomic: AtomicFile
    private weak var writer: IndexFolderWriter?
    private var hasher = SHA256()
    private var finished = false

    fileprivate init(name: String, file: String, atomic: AtomicFile, writer: IndexFolderWriter) {
        self.name = name
        self.file = file
        self.atomic = atomic
        self.writer = writer
    }

    /// Appends elements.
    public func append(_ values: UnsafeBufferPointer<Element>) throws(IndexError) {
        precondition(!finished, "array \(name) already finished")
        let raw = UnsafeRawBufferPointer(values)
        hasher.update(raw)
        do { try atomic.write(raw) } catch { throw IndexError(.writeFailed, error.message) }
        count += values.count
    }

    /// Appends elements.
    public func append(_ values: [Element]) throws(IndexError) {
        try values.withUnsafeBufferPointer { (b: UnsafeBufferPointer<Element>) throws(IndexError) in try append(b) }
    }

    /// Appends one element (buffered).
    public func append(_ value: Element) throws(IndexError) {
        try withUnsafePointer(to: value) { (p: UnsafePointer<Element>) throws(IndexError) in
            try append(UnsafeBufferPointer(start: p, count: 1))
        }
    }

    /// Syncs the file and records it for the manifest.
    public func finish() throws(IndexError) {
        precondition(!finished, "array \(name) already finished")
        finished = true
        do { try atomic.commit() } catch { throw IndexError(.writeFailed, error.message) }
        let info = IndexArrayInfo(name: name, file: file, dtype: Element.indexScalarType, count: count,
                                  byteCount: count * Element.indexScalarType.byteWidth, sha256: hasher.finalizeHex())
        writer?.finished(info)
    }
}
