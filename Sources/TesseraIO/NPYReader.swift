import Foundation

/// A `.npy` array read into memory (float32 or int64, little-endian, C order).
public struct NPYArray: Sendable {
    /// The array's shape.
    public var shape: [Int]
    /// Values when the file holds float32.
    public var floats: [Float]
    /// Values when the file holds int64.
    public var ints: [Int64]

    /// Reads `path`; throws `IOError` on a missing file or an unsupported/corrupt header.
    public init(path: String) throws(IOError) {
        let file = try MappedFile(path: path)
        let b = file.bytes
        func bad(_ why: String) -> IOError { IOError(.invalidFormat, "\(path): \(why)") }
        guard b.count >= 10, b[0] == 0x93, Array(b[1..<6]) == Array("NUMPY".utf8) else { throw bad("not a .npy file") }
        let major = b[6]
        let headerLength: Int
        let headerStart: Int
        if major == 1 {
            headerLength = Int(b[8]) | Int(b[9]) << 8
            headerStart = 10
        } else {
            guard b.count >= 12 else { throw bad("truncated header") }
            headerLength = Int(b[8]) | Int(b[9]) << 8 | Int(b[10]) << 16 | Int(b[11]) << 24
            headerStart = 12
        }
        guard headerStart + headerLength <= b.count else { throw bad("truncated header") }
        let header = String(decoding: b[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        guard !header.contains("'fortran_order': True") else { throw bad("Fortran order is not supported") }
        let isFloat = header.contains("'<f4'")
        let isInt = header.contains("'<i8'")
        guard isFloat || isInt else { throw bad("only <f4 and <i8 arrays are supported") }
        guard let open = header.firstIndex(of: "("), let close = header[open...].firstIndex(of: ")") else { throw bad("no shape") }
        shape = header[header.index(after: open)..<close].split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.compactMap { Int($0) }
        let count = shape.reduce(1, *)
        let dataStart = headerStart + headerLength
        let size = isFloat ? 4 : 8
        guard b.count - dataStart == count * size else { throw bad("data is \(b.count - dataStart) bytes, shape needs \(count * size)") }
        let data = UnsafeRawBufferPointer(rebasing: b[dataStart...])
        floats = isFloat ? (0..<count).map { data.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) } : []
        ints = isInt ? (0..<count).map { data.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self) } : []
    }
}
