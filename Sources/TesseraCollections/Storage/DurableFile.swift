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

    static func syncFolder(_ path: String) throws(CollectionError) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw CollectionError(.io, "cannot open \(path) to sync it: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw CollectionError(.io, "cannot sync \(path): \(String(cString: strerror(errno)))") }
    }
}
