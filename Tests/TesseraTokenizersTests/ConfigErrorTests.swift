import Foundation
import Testing
@testable import TesseraTokenizers

/// Unsupported, malformed and missing tokenizer files.
@Suite struct ConfigErrorTests {
    func failure(_ make: () throws -> Tokenizer) -> TokenizerError? {
        do {
            _ = try make()
            return nil
        } catch let error as TokenizerError {
            return error
        } catch {
            return nil
        }
    }

    @Test(arguments: [
        ("model", #"{"type": "BPE", "vocab": {}, "merges": []}"#, "unsupported: model type \"BPE\""),
        ("model", #"{"type": "Unigram", "vocab": []}"#, "unsupported: model type \"Unigram\""),
        ("model", #"{"vocab": {"a": 0}, "merges": []}"#, "unsupported: model type \"BPE\""),
        ("pre_tokenizer", #"{"type": "Metaspace", "replacement": "▁"}"#, "unsupported: pre-tokenizer type \"Metaspace\""),
        ("pre_tokenizer", #"{"type": "Sequence", "pretokenizers": [{"type": "ByteLevel"}]}"#, "unsupported: pre-tokenizer type \"ByteLevel\""),
        ("normalizer", #"{"type": "NFKC"}"#, "unsupported: normalizer type \"NFKC\""),
        ("normalizer", #"{"type": "Sequence", "normalizers": [{"type": "Replace"}]}"#, "unsupported: normalizer type \"Replace\""),
        ("post_processor", #"{"type": "RobertaProcessing"}"#, "unsupported: post-processor type \"RobertaProcessing\""),
        ("decoder", #"{"type": "ByteLevel"}"#, "unsupported: decoder type \"ByteLevel\""),
        ("truncation", #"{"max_length": 8, "strategy": "LongestFirst", "stride": 0, "direction": "Left"}"#,
         "unsupported: truncation direction \"Left\""),
        ("padding", #"{"strategy": "BatchLongest", "direction": "Left", "pad_id": 0, "pad_type_id": 0, "pad_token": "[PAD]"}"#,
         "unsupported: padding direction \"Left\""),
    ])
    func unsupportedParts(key: String, value: String, message: String) {
        let error = failure { try TinyTokenizer.make(key == "model" ? [:] : [key: value], model: key == "model" ? value : nil) }
        #expect(error?.code == .unsupported)
        #expect(error?.description == message)
        #expect(error?.description.hasPrefix("unsupported: ") == true)
    }

    @Test func malformedFiles() {
        let cases: [[UInt8]] = [
            Array("{".utf8),
            Array("[]".utf8),
            Array("{\"model\": null}".utf8),
            Array("{\"model\": {\"type\": \"WordPiece\", \"vocab\": [1]}}".utf8),
            Array("{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"a\": -1}}}".utf8),
            Array("{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"a\": 1.5}}}".utf8),
            Array(TinyTokenizer.json(["added_tokens": "[{\"id\": 1}]"]).utf8),
            Array(TinyTokenizer.json(["normalizer": "{\"lowercase\": true}"]).utf8),
            Array(TinyTokenizer.json(["normalizer": "{\"type\": \"BertNormalizer\", \"lowercase\": \"yes\"}"]).utf8),
            [0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D],
        ]
        for bytes in cases {
            let error = failure { try Tokenizer(jsonBytes: bytes) }
            #expect(error != nil, "\(String(decoding: bytes.prefix(60), as: UTF8.self))")
            #expect(error?.code == .invalidJSON || error?.code == .invalidConfiguration)
        }
        #expect(failure { try Tokenizer(jsonBytes: [0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D]) }?.description
                == "invalid tokenizer.json: invalid UTF-8 at byte 2")
    }

    @Test func missingFile() {
        let error = failure { try Tokenizer(contentsOf: URL(fileURLWithPath: "/nonexistent/dir/tokenizer.json")) }
        #expect(error?.code == .fileNotFound)
        #expect(error?.description == "tokenizer.json not found at /nonexistent/dir/tokenizer.json")
    }

    @Test func loadsFromDisk() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-tok-\(UUID().uuidString).json")
        try Data(TinyTokenizer.json().utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let t = try Tokenizer(contentsOf: url)
        #expect(try t.encode("hello").ids == [2, 5, 3])
    }

    @Test func defaultsFromTheFile() throws {
        let t = try TinyTokenizer.make([
            "truncation": #"{"max_length": 16, "strategy": "OnlySecond", "stride": 2}"#,
            "padding": #"{"strategy": {"Fixed": 32}, "direction": "Right", "pad_to_multiple_of": 8, "pad_id": 1, "pad_type_id": 0, "pad_token": "[UNK]"}"#,
        ])
        #expect(t.defaultTruncation == Truncation(maxLength: 16, strategy: .onlySecond, stride: 2))
        #expect(t.defaultPadding == Padding(length: .fixed(32), padToMultipleOf: 8, padId: 1, padTypeId: 0, padToken: "[UNK]"))
        let plain = try TinyTokenizer.make()
        #expect(plain.defaultTruncation == nil)
        #expect(plain.defaultPadding == nil)
        // Truncation is not applied unless requested.
        #expect(try t.encode(String(repeating: "a ", count: 40)).count == 42)
    }

    @Test func normalizerDefaults() throws {
        let t = try TinyTokenizer.make(["normalizer": #"{"type": "BertNormalizer"}"#])
        #expect(try t.encode("Café", addSpecialTokens: false).tokens == ["cafe"])
    }
}
