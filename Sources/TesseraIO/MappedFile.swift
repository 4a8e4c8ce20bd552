#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A read-only memory map of a whole file. The bytes stay valid while the object lives.
public final class MappedFile: @unchecked Sendable {
    /// The file's bytes.
    public let bytes: UnsafeRawBufferPointer
    /// The path that was mapped.
    public let path: String
    private let base: UnsafeMutableRawPointer?
    private let length: Int

    /// Maps `path`. Throws `IOError` when the file is missing, unreadable or not a regular file.
    public init(path: String) throws(IOError) {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw IOError(.missingFile, "cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw IOError(.readFailed, "cannot stat \(path)") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw IOError(.readFailed, "\(path) is not a regular file") }
        length = Int(info.st_size)
        if length == 0 {
            base = nil
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let mapped = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let mapped, mapped != MAP_FAILED else {
            throw IOError(.readFailed, "cannot map \(path): \(String(cString: strerror(errno)))")
        }
        base = mapped
        bytes = UnsafeRawBufferPointer(start: mapped, count: length)
    }

    deinit {
        if let base { munmap(base, length) }
    }
}
