import Foundation
import Testing
@testable import TesseraTokenizers
import TesseraTestSupport

/// Locates the real all-MiniLM-L6-v2 folder through ``TestModelLocator`` (shared by every test target).
enum TestModel {
    struct Missing: Error, CustomStringConvertible {
        var description: String { TestModelLocator.missingMessage }
    }

    /// URL of the real MiniLM `tokenizer.json`; throws (failing the test) if none is found.
    static func miniLMTokenizerURL() throws -> URL {
        guard let dir = TestModelLocator.folder else { throw Missing() }
        return URL(fileURLWithPath: dir + "/tokenizer.json")
    }

    /// The real MiniLM tokenizer, loaded once.
    static func miniLM() throws -> Tokenizer {
        try cache.get()
    }

    private static let cache: Result<Tokenizer, any Error> = Result { try Tokenizer(contentsOf: try miniLMTokenizerURL()) }
}

/// Builders for small hand-written tokenizer.json files.
enum TinyTokenizer {
    /// The vocabulary of the tiny test tokenizer (ids are positions).
    static let vocabulary: [String] = [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
        "hello", "world", ",", "!", "?", "cafe", "naive", "野", "口", "a", "b", "x", "##x", "una", "##ffa", "##ble",
        "$", "5", "+", "3", "=", "8", "€", "¿", "—", "“", "”", "σασ", "i", "𫤠", "ab", "y", "[", "]", "cl", "##s",
        "un", "##a", "##ff", "##able", ".", "'", "t", "don", "##'t", "n", "-", "e", "##e", "##\u{301}", "foo",
        "bar", "baz", "##o", "##fo", "c", "##l", "##\u{E9}",
    ]

    /// A tokenizer.json with the tiny vocabulary and BERT components; `overrides` replaces top-level keys
    /// (raw JSON text per key).
    static func json(_ overrides: [String: String] = [:], model: String? = nil) -> String {
        let vocab = vocabulary.enumerated().map { "\(jsonString($0.element)): \($0.offset)" }.joined(separator: ", ")
        var parts: [(String, String)] = [
            ("version", "\"1.0\""),
            ("truncation", "null"),
            ("padding", "null"),
            ("added_tokens", """
            [{"id": 0, "content": "[PAD]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
             {"id": 1, "content": "[UNK]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
             {"id": 2, "content": "[CLS]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
             {"id": 3, "content": "[SEP]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
             {"id": 4, "content": "[MASK]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}]
            """),
            ("normalizer", """
            {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": null, "lowercase": true}
            """),
            ("pre_tokenizer", "{\"type\": \"BertPreTokenizer\"}"),
            ("post_processor", """
            {"type": "TemplateProcessing",
             "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
             "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
                      {"Sequence": {"id": "B", "type_id": 1}}, {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
             "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]}, "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]}}}
            """),
            ("decoder", "{\"type\": \"WordPiece\", \"prefix\": \"##\", \"cleanup\": true}"),
            ("model", model ?? """
            {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100, "vocab": {\(vocab)}}
            """),
        ]
        for (key, value) in overrides {
            if let i = parts.firstIndex(where: { $0.0 == key }) { parts[i].1 = value } else { parts.append((key, value)) }
        }
        return "{" + parts.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ",\n") + "}"
    }

    static func make(_ overrides: [String: String] = [:], model: String? = nil) throws -> Tokenizer {
        try Tokenizer(jsonBytes: Array(json(overrides, model: model).utf8))
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}
