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
    private var buffer: [UInt8] = []
    private var start = 0
    private var eof = false
    /// The number of the last line returned by `next()`.
    public private(set) var lineNumber = 0
    /// Where the lines come from, for error messages.
    public let source: String

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
    }

    /// Reads standard input.
    public convenience init() {
        // "-" never fails to open.
        do { try self.init(path: "-") } catch { preconditionFailure("stdin") }
    }

    deinit { if ownsDescriptor { close(fd) } }

    /// The next line without its terminator, or nil at the end of input.
    public func next() throws(IOError) -> [UInt8]? {
        while true {
            if let nl = buffer[start...].firstIndex(of: 0x0A) {
                var end = nl
                if end > start && buffer[end - 1] == 0x0D { end -= 1 }
                let line = Array(buffer[start..<end])
                start = nl + 1
                lineNumber += 1
                return line
            }
            if eof {
                guard start < buffer.count else { return nil }
                var end = buffer.count
                if buffer[end - 1] == 0x0D { end -= 1 }
                let line = Array(buffer[start..<end])
                start = buffer.count
                lineNumber += 1
                return line
            }
            try fill()
        }
    }

    private func fill() throws(IOError) {
        if start > 0 {
            buffer.removeFirst(start)
            start = 0
        }
        let chunk = 1 << 20
        let old = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: chunk))
        let n = buffer.withUnsafeMutableBytes { raw in read(fd, raw.baseAddress! + old, chunk) }
        if n < 0 {
            buffer.removeLast(chunk)
            throw IOError(.readFailed, "cannot read \(source): \(String(cString: strerror(errno)))")
        }
        buffer.removeLast(chunk - n)
        if n == 0 { eof = true }
    }
}
