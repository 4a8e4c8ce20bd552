#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import TesseraIO

/// An append-only log of a collection's writes (`wal.log`): each record is durable (written and fsync'd) before
/// the write that made it is acknowledged.
///
/// Framing of a record: payload length (u32, little-endian), the first 8 bytes of the payload's SHA-256, the
/// payload. Opening reads every complete record whose checksum matches and cuts the file after the last one: a
/// record torn by a crash was never acknowledged, and is dropped.
final class WriteAheadLog {
    let path: String
    private var fd: Int32
    /// Bytes of complete records in the file.
    private(set) var length: Int
    private static let headerBytes = 12
    static let maximumRecordBytes = 1 << 30

    /// Opens (creating if needed) the log at `path` and returns it with the payloads of its complete records.
    static func load(path: String) throws(CollectionError) -> (WriteAheadLog, [[UInt8]]) {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CollectionError(.io, "cannot open \(path): \(String(cString: strerror(errno)))") }
        let bytes: [UInt8]
        do { bytes = try DurableFile.read(path) } catch { close(fd); throw error }
        var records: [[UInt8]] = []
        var offset = 0
        while offset + headerBytes <= bytes.count {
            let n = bytes[offset..<offset + 4].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            let start = offset + headerBytes
            guard n <= maximumRecordBytes, start + n <= bytes.count else { break }
            let payload = Array(bytes[start..<start + n])
            guard Array(checksum(payload)) == Array(bytes[offset + 4..<offset + 12]) else { break }
            records.append(payload)
            offset = start + n
        }
        let log = WriteAheadLog(path: path, fd: fd, length: offset)
        if offset < bytes.count { try log.truncate(to: offset) }  // a torn tail: never acknowledged
        return (log, records)
    }

    private init(path: String, fd: Int32, length: Int) {
        self.path = path
        self.fd = fd
        self.length = length
    }

    deinit { close(fd) }

    private static func checksum(_ payload: [UInt8]) -> ArraySlice<UInt8> {
        var hasher = SHA256()
        payload.withUnsafeBytes { hasher.update($0) }
        return hasher.finalize().prefix(8)
    }

    /// Appends one record and syncs it to disk; on failure the log is cut back to where it was.
    func append(_ payload: [UInt8]) throws(CollectionError) {
        guard payload.count <= Self.maximumRecordBytes else { throw CollectionError(.invalidInput, "a write of \(payload.count) bytes is too large for the log") }
        var frame: [UInt8] = []
        frame.reserveCapacity(Self.headerBytes + payload.count)
        for i in 0..<4 { frame.append(UInt8((payload.count >> (8 * i)) & 0xFF)) }
        frame.append(contentsOf: Self.checksum(payload))
        frame.append(contentsOf: payload)
        let ok = frame.withUnsafeBytes { raw -> Bool in
            var done = 0
            while done < raw.count {
                let n = pwrite(fd, raw.baseAddress! + done, raw.count - done, off_t(length + done))
                guard n > 0 else { return false }
                done += n
            }
            return fsync(fd) == 0
        }
        guard ok else {
            let reason = String(cString: strerror(errno))
            try? truncate(to: length)
            throw CollectionError(.io, "cannot append to \(path): \(reason)")
        }
        length += frame.count
    }

    /// Drops the last record (a write that failed after it was logged, so it was never acknowledged).
    func dropLast(bytes payloadCount: Int) throws(CollectionError) {
        try truncate(to: max(0, length - Self.headerBytes - payloadCount))
    }

    /// Empties the log (every record is in the segments).
    func reset() throws(CollectionError) { try truncate(to: 0) }

    private func truncate(to size: Int) throws(CollectionError) {
        guard ftruncate(fd, off_t(size)) == 0, fsync(fd) == 0 else {
            throw CollectionError(.io, "cannot truncate \(path): \(String(cString: strerror(errno)))")
        }
        length = size
    }
}
