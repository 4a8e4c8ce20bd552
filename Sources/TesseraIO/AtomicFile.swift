#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A file written under a temporary name beside its destination and renamed into place by `commit()`.
///
/// If the writer is dropped without `commit()` (an error, a thrown exception), the temporary file is
/// removed and whatever was at the destination before is untouched.
public final class AtomicFile {
    /// Where the file will appear after `commit()`.
    public let destination: String
    /// The temporary path being written.
    public let temporaryPath: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    private var committed = false
    private static let flushSize = 1 << 20

    /// Creates the temporary file. Throws when the destination folder is missing or not writable.
    public init(destination: String) throws(IOError) {
        self.destination = destination
        let url = URL(fileURLWithPath: destination)
        let folder = url.deletingLastPathComponent().path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue else {
            throw IOError(.writeFailed, "cannot write \(destination): folder \(folder) does not exist")
        }
        temporaryPath = folder + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else {
            throw IOError(.writeFailed, "cannot write \(destination): \(String(cString: strerror(errno)))")
        }
        buffer.reserveCapacity(Self.flushSize)
    }

    deinit {
        if !committed {
            if fd >= 0 { close(fd) }
            unlink(temporaryPath)
        }
    }

    /// Appends bytes (buffered; large writes go straight to the file without a copy).
    public func write(_ bytes: UnsafeRawBufferPointer) throws(IOError) {
        if bytes.count >= Self.flushSize {
            try flush()
            try writeAll(bytes)
            return
        }
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.flushSize { try flush() }
    }

    /// Appends bytes (buffered).
    public func write(_ bytes: [UInt8]) throws(IOError) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.flushSize { try flush() }
    }

    /// Overwrites bytes at an absolute offset (after flushing what is buffered); used to patch headers.
    public func write(_ bytes: [UInt8], at offset: Int) throws(IOError) {
        try flush()
        let written = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) }
        guard written == bytes.count else { throw writeError() }
    }

    /// Writes out the buffer.
    public func flush() throws(IOError) {
        var failure: IOError?
        buffer.withUnsafeBytes { raw in
            do { try writeAll(raw) } catch let error as IOError { failure = error } catch { failure = IOError(.writeFailed, "\(error)") }
        }
        buffer.removeAll(keepingCapacity: true)
        if let failure { throw failure }
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws(IOError) {
        guard let base = bytes.baseAddress else { return }
        var start = 0
        while start < bytes.count {
            let n = Glibc_write(fd, base + start, bytes.count - start)
            guard n > 0 else { throw writeError() }
            start += n
        }
    }

    /// Flushes, syncs and renames the file into place.
    public func commit() throws(IOError) {
        try flush()
        guard fsync(fd) == 0 else { throw writeError() }
        close(fd)
        fd = -1
        guard rename(temporaryPath, destination) == 0 else { throw writeError() }
        committed = true
    }

    /// Syncs the folder at `path`, so that names created, renamed or removed in it survive a crash.
    public static func syncFolder(_ path: String) throws(IOError) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw IOError(.writeFailed, "cannot open \(path) to sync it: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw IOError(.writeFailed, "cannot sync \(path): \(String(cString: strerror(errno)))") }
    }

    private func writeError() -> IOError {
        IOError(.writeFailed, "cannot write \(destination): \(String(cString: strerror(errno)))")
    }
}

@inline(__always)
private func Glibc_write(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, p, n)
    #else
    return Darwin.write(fd, p, n)
    #endif
}
