#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a file (or standard input) line by line as raw bytes, in bounded memory.
///
/// Lines end at `\n`; a trailing `\r` is dropped. Line numbers start at 1.
public final class LineReader {
    private let fd: Int32
    private let ownsDescriptor: Bool
    private var storage: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var start = 0
    private var end = 0
    private var eof = false
    /// The number of the last line returned by `next()`.
    public private(set) var lineNumber = 0
    /// Where the lines come from, for error messages.
    public let source: String
    private static let readSize = 1 << 20

    /// Opens `path` for reading; `-` reads standard input.
    public init(path: String) throws(IOError) {
        if path == "-" {
            fd = 0
            ownsDescriptor = false
            source = "<stdin>"
        } else {
            let opened = open(path, O_RDONLY)
            guard opened >= 0 else { throw IOError(.missingFile, "cannot open \(path): \(String(cString: strerror(errno)))") }
            fd = opened
            ownsDescriptor = true
            source = path
        }
        capacity = Self.readSize * 2
        storage = .allocate(capacity: capacity)
    }

    deinit {
        storage.deallocate()
        if ownsDescriptor { close(fd) }
    }

    /// The next line without its terminator, or nil at the end of input.
    public func next() throws(IOError) -> [UInt8]? {
        while true {
            if start < end, let found = memchr(storage + start, 0x0A, end - start) {
                let nl = storage.distance(to: found.assumingMemoryBound(to: UInt8.self))
                return take(upTo: nl, next: nl + 1)
            }
            if eof {
                guard start < end else { return nil }
                return take(upTo: end, next: end)
            }
            try fill()
        }
    }

    private func take(upTo stop: Int, next: Int) -> [UInt8] {
        var last = stop
        if last > start && storage[last - 1] == 0x0D { last -= 1 }
        let line = Array(UnsafeBufferPointer(start: storage + start, count: last - start))
        start = next
        lineNumber += 1
        return line
    }

    private func fill() throws(IOError) {
        // Move the unread tail to the front, grow if a single line outgrows the buffer, then read.
        if start > 0 {
            let pending = end - start
            if pending > 0 { memmove(storage, storage + start, pending) }
            start = 0
            end = pending
        }
        if capacity - end < Self.readSize {
            let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
            bigger.update(from: storage, count: end)
            storage.deallocate()
            storage = bigger
            capacity *= 2
        }
        let n = read(fd, storage + end, capacity - end)
        guard n >= 0 else { throw IOError(.readFailed, "cannot read \(source): \(String(cString: strerror(errno)))") }
        if n == 0 { eof = true }
        end += n
    }
}
