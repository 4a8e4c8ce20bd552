#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import TesseraIO

/// Small files replaced all at once: written under a temporary name, synced, renamed into place, and the folder
/// synced, so that after a crash the path holds either the old bytes or the new ones.
enum DurableFile {
    static func replace(_ path: String, with bytes: [UInt8]) throws(CollectionError) {
        do {
            let file = try AtomicFile(destination: path)
            try file.write(bytes)
            try file.commit()
        } catch {
            throw CollectionError(.io, "cannot write \(path): \(error.message)")
        }
        try syncFolder(URL(fileURLWithPath: path).deletingLastPathComponent().path)
    }

    static func read(_ path: String) throws(CollectionError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw CollectionError(.io, "cannot read \(path)") }
        return [UInt8](data)
    }

    /// Removes the temporary files that writes killed before their rename left in `folder` (`.<name>.tmp-…`).
    static func removeTemporaries(in folder: String) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where name.hasPrefix(".") && name.contains(".tmp-") {
            try? FileManager.default.removeItem(atPath: folder + "/" + name)
        }
    }

    static func syncFolder(_ path: String) throws(CollectionError) {
        do { try AtomicFile.syncFolder(path) } catch { throw CollectionError(.io, error.message) }
    }
}

/// An exclusive `flock` on a file, held for the life of the value (released by the kernel if the process dies).
final class ProcessLock {
    private let fd: Int32

    init(path: String) throws(CollectionError) {
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CollectionError(.io, "cannot open \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw CollectionError(.io, "\(URL(fileURLWithPath: path).deletingLastPathComponent().path) is open in another process")
        }
    }

    deinit { close(fd) }
}
