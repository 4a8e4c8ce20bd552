/// Streams a float32 or int64 `.npy` file (NumPy format 1.0, C order) whose row count is known only at
/// the end; the file appears at its destination only when `finish()` succeeds.
public final class NPYWriter {
    /// The element type written.
    public enum DType: String, Sendable {
        case float32 = "<f4"
        case int64 = "<i8"
        var size: Int { self == .float32 ? 4 : 8 }
    }
    private let file: AtomicFile
    private let dtype: DType
    /// Values per row (the trailing dimension); 0 writes a 1-D array.
    public let columns: Int
    /// Rows written so far.
    public private(set) var rows = 0
    private static let headerSize = 128

    /// Starts a file at `path` with `columns` values per row (0 for a 1-D array).
    public init(path: String, dtype: DType = .float32, columns: Int) throws(IOError) {
        file = try AtomicFile(destination: path)
        self.dtype = dtype
        self.columns = columns
        try file.write([UInt8](repeating: 0x20, count: Self.headerSize))
    }

    /// Appends `count` float rows (`count × columns` values, or `count` values for 1-D).
    public func append(_ values: UnsafeBufferPointer<Float>) throws(IOError) {
        precondition(dtype == .float32)
        let width = max(columns, 1)
        guard values.count % width == 0 else { throw IOError(.invalidInput, "row width mismatch writing \(file.destination)") }
        try file.write(UnsafeRawBufferPointer(values))
        rows += values.count / width
    }

    /// Appends int64 values (1-D arrays or rows).
    public func append(_ values: [Int64]) throws(IOError) {
        precondition(dtype == .int64)
        let width = max(columns, 1)
        guard values.count % width == 0 else { throw IOError(.invalidInput, "row width mismatch writing \(file.destination)") }
        let bytes = values.withUnsafeBytes { [UInt8]($0) }
        try file.write(bytes)
        rows += values.count / width
    }

    /// Writes the final header and renames the file into place.
    public func finish() throws(IOError) {
        try file.write(Self.header(dtype: dtype, rows: rows, columns: columns), at: 0)
        try file.commit()
    }

    /// A NumPy 1.0 header of exactly `headerSize` bytes.
    static func header(dtype: DType, rows: Int, columns: Int) -> [UInt8] {
        let shape = columns > 0 ? "(\(rows), \(columns))" : "(\(rows),)"
        var dict = "{'descr': '\(dtype.rawValue)', 'fortran_order': False, 'shape': \(shape), }"
        let prefix = 10
        while (prefix + dict.utf8.count + 1) < headerSize { dict += " " }
        dict += "\n"
        var out: [UInt8] = [0x93]
        out += Array("NUMPY".utf8)
        out += [1, 0]
        let len = UInt16(dict.utf8.count)
        out += [UInt8(len & 0xff), UInt8(len >> 8)]
        out += Array(dict.utf8)
        return out
    }
}
