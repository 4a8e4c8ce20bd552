import Foundation
import TesseraIO
import TesseraKernels

/// Element types of the safetensors format.
public enum SafeTensorsDType: String, Sendable, CaseIterable {
    case BOOL, U8, I8, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64
    case F8_E5M2, F8_E4M3, F8_E8M0, F8_E4M3FNUZ, F8_E5M2FNUZ, F4, F6_E2M3, F6_E3M2, C64

    /// Bits per element.
    public var bits: Int {
        switch self {
        case .BOOL, .U8, .I8, .F8_E5M2, .F8_E4M3, .F8_E8M0, .F8_E4M3FNUZ, .F8_E5M2FNUZ: return 8
        case .I16, .U16, .F16, .BF16: return 16
        case .I32, .U32, .F32: return 32
        case .F64, .I64, .U64, .C64: return 64
        case .F4: return 4
        case .F6_E2M3, .F6_E3M2: return 6
        }
    }
}

/// One tensor's entry in a safetensors header.
public struct SafeTensorInfo: Sendable, Equatable {
    /// The tensor's name.
    public var name: String
    /// Its element type.
    public var dtype: SafeTensorsDType
    /// Its shape (`[]` is a scalar).
    public var shape: [Int]
    /// Byte range inside the file (absolute, end exclusive).
    public var byteRange: Range<Int>
    /// The number of elements.
    public var count: Int { shape.reduce(1, *) }
}

/// A float tensor view: either the file's own bytes (float32, aligned) or a converted copy.
public struct FloatTensor: @unchecked Sendable {
    /// Shape of the tensor.
    public let shape: [Int]
    /// The values, row-major; valid while `owner` lives (the tensor keeps it alive).
    public let pointer: UnsafePointer<Float>
    private let owner: AnyObject
    /// The object keeping `pointer` valid.
    public var storage: AnyObject { owner }
    /// The number of elements.
    public var count: Int { shape.reduce(1, *) }
    /// A copy of the values.
    public var values: [Float] {
        withExtendedLifetime(owner) { Array(UnsafeBufferPointer(start: pointer, count: count)) }
    }

    init(shape: [Int], pointer: UnsafePointer<Float>, owner: AnyObject) {
        self.shape = shape
        self.pointer = pointer
        self.owner = owner
    }

    /// Makes a tensor that owns a copy of `values`.
    public init(shape: [Int], values: [Float]) {
        let storage = FloatBuffer(capacity: values.count)
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { storage.pointer.update(from: base, count: values.count) }
        }
        self.init(shape: shape, pointer: UnsafePointer(storage.pointer), owner: storage)
    }
}

/// A memory-mapped `.safetensors` file, validated as the reference implementation does.
///
/// Header length, JSON, dtypes, shapes, offsets (inside the file, contiguous, no overlap, exact sizes)
/// are checked at open; every problem is a `ModelError` naming the file and the tensor.
public final class SafeTensorsFile: Sendable {
    /// The mapped file.
    public let file: MappedFile
    /// Tensor entries by name.
    public let tensors: [String: SafeTensorInfo]
    /// The `__metadata__` strings, if any.
    public let metadata: [String: String]
    /// Largest header the reference accepts.
    public static let maxHeaderSize = 100_000_000

    /// Opens and validates `path`.
    public init(path: String) throws(ModelError) {
        do { file = try MappedFile(path: path) } catch {
            throw ModelError(.missingFile, error.message)
        }
        let (tensors, metadata) = try Self.parseHeader(file.bytes, path: path)
        self.tensors = tensors
        self.metadata = metadata
    }

    static func parseHeader(_ bytes: UnsafeRawBufferPointer, path: String) throws(ModelError) -> ([String: SafeTensorInfo], [String: String]) {
        func corrupt(_ why: String) -> ModelError { ModelError(.corruptFile, "\(path): \(why)") }
        guard bytes.count >= 8 else { throw corrupt("file too short for a safetensors header (\(bytes.count) bytes)") }
        let n = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        guard n <= UInt64(maxHeaderSize) else { throw corrupt("header length \(n) exceeds \(maxHeaderSize)") }
        guard 8 + Int(n) <= bytes.count else { throw corrupt("header length \(n) runs past the end of the file (\(bytes.count) bytes): truncated?") }
        let headerBytes = UnsafeRawBufferPointer(rebasing: bytes[8..<(8 + Int(n))])
        guard headerBytes.first == UInt8(ascii: "{") else { throw corrupt("header does not start with '{'") }
        let json: JSONValue
        do { json = try JSONValue.parse(headerBytes) } catch {
            throw corrupt("header is not valid JSON: \(error)")
        }
        guard let object = json.objectValue else { throw corrupt("header is not a JSON object") }
        let dataStart = 8 + Int(n)
        let bufferLength = bytes.count - dataStart
        var tensors: [String: SafeTensorInfo] = [:]
        var metadata: [String: String] = [:]
        var relative: [(name: String, begin: Int, end: Int)] = []
        for (name, value) in object.entries {
            if name == "__metadata__" {
                guard let meta = value.objectValue else { throw corrupt("__metadata__ is not an object") }
                for (k, v) in meta.entries {
                    guard let s = v.stringValue else { throw corrupt("__metadata__ value for \(k) is not a string") }
                    metadata[k] = s
                }
                continue
            }
            guard tensors[name] == nil else { throw corrupt("duplicate tensor \(name)") }
            guard let entry = value.objectValue else { throw corrupt("tensor \(name): entry is not an object") }
            guard let dtypeName = entry["dtype"]?.stringValue else { throw corrupt("tensor \(name): missing dtype") }
            guard let dtype = SafeTensorsDType(rawValue: dtypeName) else { throw corrupt("tensor \(name): unknown dtype \(dtypeName)") }
            guard let shapeValues = entry["shape"]?.arrayValue else { throw corrupt("tensor \(name): missing shape") }
            var shape: [Int] = []
            for dim in shapeValues {
                guard let d = dim.intValue, d >= 0 else { throw corrupt("tensor \(name): invalid shape") }
                shape.append(d)
            }
            guard let offsets = entry["data_offsets"]?.arrayValue, offsets.count == 2,
                  let begin = offsets[0].intValue, let end = offsets[1].intValue, begin >= 0, end >= begin
            else { throw corrupt("tensor \(name): invalid data_offsets") }
            var elements = 1
            for d in shape {
                let (m, overflow) = elements.multipliedReportingOverflow(by: d)
                guard !overflow else { throw corrupt("tensor \(name): shape overflows") }
                elements = m
            }
            let (bits, overflow) = elements.multipliedReportingOverflow(by: dtype.bits)
            guard !overflow, bits % 8 == 0 else { throw corrupt("tensor \(name): size is not a whole number of bytes") }
            guard end - begin == bits / 8 else {
                throw corrupt("tensor \(name): shape \(shape) × \(dtype.rawValue) is \(bits / 8) bytes but data_offsets span \(end - begin)")
            }
            guard end <= bufferLength else { throw corrupt("tensor \(name): data_offsets end \(end) lies past the end of the file: truncated?") }
            relative.append((name, begin, end))
            tensors[name] = SafeTensorInfo(name: name, dtype: dtype, shape: shape, byteRange: (dataStart + begin)..<(dataStart + end))
        }
        relative.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var expected = 0
        for t in relative {
            guard t.begin == expected else {
                throw corrupt(t.begin < expected ? "tensor \(t.name) overlaps the previous tensor" : "hole in the data before tensor \(t.name)")
            }
            expected = t.end
        }
        guard expected == bufferLength else {
            throw corrupt("data section is \(bufferLength) bytes but tensors cover \(expected)")
        }
        return (tensors, metadata)
    }

    /// The tensor `name` as float32 (F16 and BF16 converted; F32 is the file's own bytes when aligned).
    public func floats(_ name: String) throws(ModelError) -> FloatTensor {
        guard let info = tensors[name] else { throw ModelError(.missingTensor, "\(file.path): no tensor named \(name)") }
        let raw = UnsafeRawBufferPointer(rebasing: file.bytes[info.byteRange])
        let count = info.count
        switch info.dtype {
        case .F32:
            if let base = raw.baseAddress, Int(bitPattern: base) % MemoryLayout<Float>.alignment == 0 {
                return FloatTensor(shape: info.shape, pointer: base.assumingMemoryBound(to: Float.self), owner: file)
            }
            let copy = FloatBuffer(capacity: count)
            if count > 0 { UnsafeMutableRawPointer(copy.pointer).copyMemory(from: raw.baseAddress!, byteCount: count * 4) }
            return FloatTensor(shape: info.shape, pointer: UnsafePointer(copy.pointer), owner: copy)
        case .F16, .BF16:
            let copy = FloatBuffer(capacity: count)
            if count > 0 {
                let halves = [UInt16](unsafeUninitializedCapacity: count) { out, initialized in
                    UnsafeMutableRawPointer(out.baseAddress!).copyMemory(from: raw.baseAddress!, byteCount: count * 2)
                    initialized = count
                }
                halves.withUnsafeBufferPointer { src in
                    if info.dtype == .F16 {
                        VectorKernels.halfToFloat(src.baseAddress!, copy.pointer, count: count)
                    } else {
                        VectorKernels.bfloat16ToFloat(src.baseAddress!, copy.pointer, count: count)
                    }
                }
            }
            return FloatTensor(shape: info.shape, pointer: UnsafePointer(copy.pointer), owner: copy)
        default:
            throw ModelError(.unsupported, "unsupported: tensor \(name) has dtype \(info.dtype.rawValue) (expected F32, F16 or BF16)")
        }
    }
}

extension FloatTensor {
    /// A tensor viewing a matrix's values (kept alive by the tensor), with the matrix's shape or another of the
    /// same element count.
    public init(_ matrix: Matrix, shape: [Int]? = nil) {
        let shape = shape ?? matrix.shape
        precondition(shape.reduce(1, *) == matrix.count, "shape \(shape) for \(matrix.count) values")
        self.init(shape: shape, pointer: UnsafePointer(matrix.pointer), owner: matrix)
    }
}
