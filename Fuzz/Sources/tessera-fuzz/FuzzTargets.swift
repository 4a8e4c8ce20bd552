import Foundation
import TesseraIO
import TesseraIndex
import TesseraModels
import TesseraServer
import TesseraTokenizers

/// The parsers that take bytes from outside, each as a fuzz target: any input must give a value or a clear error,
/// never a crash, a hang or a sanitizer report, and the properties below must hold. A broken property calls
/// `violated`, which aborts (libFuzzer saves the input).
enum FuzzTargets {
    static let names = ["json", "tokenizer", "safetensors", "manifest", "request"]

    static func run(_ name: String, _ bytes: [UInt8]) {
        switch name {
        case "json": json(bytes)
        case "tokenizer": tokenizer(bytes)
        case "safetensors": safetensors(bytes)
        case "manifest": manifest(bytes)
        case "request": request(bytes)
        default: violated("unknown fuzz target \(name) (\(names.joined(separator: ", ")))")
        }
    }

    static func violated(_ what: String) -> Never {
        FileHandle.standardError.write(Data("property violated: \(what)\n".utf8))
        abort()
    }

    /// JSON: what parses is written back by `JSONWriter` to text that parses to the same value.
    static func json(_ bytes: [UInt8]) {
        guard let value = try? JSONValue.parse(bytes) else { return }
        let written = JSONWriter.encode(value)
        guard let again = try? JSONValue.parse(written) else { violated("JSONWriter output does not parse: \(String(decoding: written, as: UTF8.self))") }
        guard again == value else { violated("JSON round trip changed the value") }
    }

    /// `tokenizer.json`: what loads encodes texts and a pair (with its own truncation and padding) without a
    /// crash, with one token per id.
    static func tokenizer(_ bytes: [UInt8]) {
        guard let tokenizer = try? Tokenizer(jsonBytes: bytes) else { return }
        for text in ["Hello, world! ünïcödé 東京 123", "", "a  b\tc\n"] {
            guard let encoding = try? tokenizer.encode(text, pair: "second text") else { continue }
            if encoding.ids.count != encoding.tokens.count { violated("ids and tokens differ in count") }
        }
    }

    /// safetensors: a header is validated or refused; every tensor of a valid file reads as floats or is refused.
    static func safetensors(_ bytes: [UInt8]) {
        let path = scratch + "/fuzz.safetensors"
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { violated("cannot write \(path)") }
        guard let file = try? SafeTensorsFile(path: path) else { return }
        for (name, info) in file.tensors {
            guard let tensor = try? file.floats(name) else { continue }
            if tensor.shape != info.shape { violated("tensor \(name) read with another shape") }
        }
    }

    /// Index manifests: what decodes re-encodes to bytes that decode to the same manifest.
    static func manifest(_ bytes: [UInt8]) {
        guard let manifest = try? IndexManifest.decode(bytes, path: "manifest.json") else { return }
        guard let again = try? IndexManifest.decode(manifest.encoded(), path: "manifest.json") else { violated("an encoded manifest does not decode") }
        if again != manifest { violated("manifest round trip changed it") }
    }

    /// Server request bodies: the first byte picks the route, the rest is the body; decoding answers 200 or a 4xx,
    /// never a 5xx.
    static func request(_ bytes: [UInt8]) {
        guard let first = bytes.first else { return }
        let kind = APIRequestKind.allCases[Int(first) % APIRequestKind.allCases.count]
        var configuration = ServerConfiguration(dataDirectory: scratch)
        configuration.maximumBatch = 64
        let status = TesseraAPI.decodingStatus(of: Array(bytes.dropFirst()), as: kind, configuration: configuration)
        if status != 200 && !(400..<500).contains(status) { violated("\(kind) decoding answered \(status)") }
    }

    /// A private scratch folder (the safetensors target needs a file to map), removed when the process exits.
    static let scratch: String = {
        let folder = NSTemporaryDirectory() + "tessera-fuzz-\(getpid())"
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: FuzzTargets.scratch) }
        return folder
    }()
}
