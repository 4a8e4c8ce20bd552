import TesseraIO
import TesseraKernels

/// Writes float32 tensors as a `.safetensors` file that the reference readers (the `safetensors` Python
/// package, Tessera's own ``SafeTensorsFile``) load: an 8-byte little-endian header length, a JSON header
/// padded with spaces to a multiple of 8 bytes, then the tensors' bytes back to back in the order given.
///
/// The file is written under a temporary name, synced and renamed into place (``AtomicFile``): a failure at any
/// point leaves whatever was at the destination before untouched.
public enum SafeTensorsWriter {
    /// One tensor to write: its name, shape and `shape.reduce(1, *)` floats.
    public struct Entry {
        /// The tensor's name in the file.
        public var name: String
        /// Its shape.
        public var shape: [Int]
        /// Its values (read while writing; must stay valid until `write` returns).
        public var values: UnsafeBufferPointer<Float>

        /// Makes an entry over `values`.
        public init(name: String, shape: [Int], values: UnsafeBufferPointer<Float>) {
            self.name = name
            self.shape = shape
            self.values = values
        }

        /// Makes an entry over a matrix's values (`shape` defaults to the matrix's own).
        public init(name: String, matrix: Matrix, shape: [Int]? = nil) {
            self.init(name: name, shape: shape ?? matrix.shape,
                      values: UnsafeBufferPointer(start: matrix.pointer, count: matrix.count))
        }
    }

    /// Writes `entries` (names unique, each shape matching its value count) and `metadata` to `path`.
    public static func write(_ entries: [Entry], metadata: [String: String] = ["format": "pt"], to path: String) throws(ModelError) {
        var names = Set<String>()
        for entry in entries {
            guard names.insert(entry.name).inserted else { throw ModelError(.invalidTensor, "duplicate tensor name \(entry.name)") }
            guard entry.name != "__metadata__" else { throw ModelError(.invalidTensor, "__metadata__ is not a tensor name") }
            guard entry.shape.allSatisfy({ $0 >= 0 }), entry.shape.reduce(1, *) == entry.values.count else {
                throw ModelError(.wrongShape, "tensor \(entry.name): shape \(entry.shape) does not hold \(entry.values.count) values")
            }
        }
        var header: [UInt8] = [UInt8(ascii: "{")]
        var first = true
        func separator() {
            if !first { header.append(UInt8(ascii: ",")) }
            first = false
        }
        if !metadata.isEmpty {
            separator()
            JSONWriter.appendString("__metadata__", to: &header)
            header.append(contentsOf: Array(":{".utf8))
            for (i, key) in metadata.keys.sorted().enumerated() {
                if i > 0 { header.append(UInt8(ascii: ",")) }
                JSONWriter.appendString(key, to: &header)
                header.append(UInt8(ascii: ":"))
                JSONWriter.appendString(metadata[key] ?? "", to: &header)
            }
            header.append(UInt8(ascii: "}"))
        }
        var offset = 0
        for entry in entries {
            separator()
            JSONWriter.appendString(entry.name, to: &header)
            let shape = entry.shape.map(String.init).joined(separator: ",")
            let bytes = entry.values.count * MemoryLayout<Float>.size
            header.append(contentsOf: Array(":{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + bytes)]}".utf8))
            offset += bytes
        }
        header.append(UInt8(ascii: "}"))
        while header.count % 8 != 0 { header.append(UInt8(ascii: " ")) }
        do {
            let file = try AtomicFile(destination: path)
            var length = UInt64(header.count).littleEndian
            try withUnsafeBytes(of: &length) { (raw) throws(IOError) in try file.write(raw) }
            try file.write(header)
            for entry in entries {
                #if _endian(big)
                let swapped = entry.values.map { $0.bitPattern.littleEndian }
                try swapped.withUnsafeBytes { (raw) throws(IOError) in try file.write(raw) }
                #else
                try file.write(UnsafeRawBufferPointer(entry.values))
                #endif
            }
            try file.commit()
        } catch {
            throw ModelError(.writeFailed, error.message)
        }
    }
}
