import TesseraIO

/// The parsed parts of a `tokenizer.json`.
struct TokenizerConfig {
    var normalizer: Normalizer?
    var preTokenizer: PreTokenizer?
    var model: WordPiece
    var postProcessor: PostProcessor
    var decoder: Decoder
    var addedTokens: [AddedToken]
    var truncation: Truncation?
    var padding: Padding?

    init(json: JSONValue) throws(TokenizerError) {
        guard let root = json.objectValue else { throw TokenizerError.invalid("the top level is not an object") }
        normalizer = try Self.parseNormalizer(root["normalizer"], path: "normalizer")
        preTokenizer = try Self.parsePreTokenizer(root["pre_tokenizer"], path: "pre_tokenizer")
        guard let modelValue = root["model"], !modelValue.isNull else { throw TokenizerError.invalid("no model") }
        model = try Self.parseModel(modelValue)
        postProcessor = try Self.parsePostProcessor(root["post_processor"])
        decoder = try Self.parseDecoder(root["decoder"])
        addedTokens = try Self.parseAddedTokens(root["added_tokens"])
        truncation = try Self.parseTruncation(root["truncation"])
        padding = try Self.parsePadding(root["padding"])
    }

    // MARK: Field helpers

    static func object(_ value: JSONValue, _ path: String) throws(TokenizerError) -> JSONObject {
        guard let o = value.objectValue else { throw TokenizerError.invalid("\(path) is not an object") }
        return o
    }

    static func type(_ o: JSONObject, _ path: String) throws(TokenizerError) -> String {
        guard let t = o["type"]?.stringValue else { throw TokenizerError.invalid("\(path) has no \"type\"") }
        return t
    }

    static func bool(_ o: JSONObject, _ key: String, _ path: String, default value: Bool) throws(TokenizerError) -> Bool {
        guard let v = o[key], !v.isNull else { return value }
        guard let b = v.boolValue else { throw TokenizerError.invalid("\(path).\(key) is not a boolean") }
        return b
    }

    static func optionalBool(_ o: JSONObject, _ key: String, _ path: String) throws(TokenizerError) -> Bool? {
        guard let v = o[key], !v.isNull else { return nil }
        guard let b = v.boolValue else { throw TokenizerError.invalid("\(path).\(key) is not a boolean or null") }
        return b
    }

    static func int(_ o: JSONObject, _ key: String, _ path: String, default value: Int?) throws(TokenizerError) -> Int {
        guard let v = o[key], !v.isNull else {
            if let value { return value }
            throw TokenizerError.invalid("\(path).\(key) is missing")
        }
        guard let i = v.intValue, i >= 0 else { throw TokenizerError.invalid("\(path).\(key) is not a non-negative integer") }
        return i
    }

    static func id(_ v: JSONValue?, _ path: String) throws(TokenizerError) -> Int32 {
        guard let i = v?.intValue, i >= 0, i <= Int(Int32.max) else {
            throw TokenizerError.invalid("\(path) is not a token id (an integer from 0 to \(Int32.max))")
        }
        return Int32(i)
    }

    static func string(_ o: JSONObject, _ key: String, _ path: String, default value: String?) throws(TokenizerError) -> String {
        guard let v = o[key], !v.isNull else {
            if let value { return value }
            throw TokenizerError.invalid("\(path).\(key) is missing")
        }
        guard let s = v.stringValue else { throw TokenizerError.invalid("\(path).\(key) is not a string") }
        return s
    }

    // MARK: Added tokens, truncation, padding

    static func parseAddedTokens(_ value: JSONValue?) throws(TokenizerError) -> [AddedToken] {
        guard let value, !value.isNull else { return [] }
        guard let items = value.arrayValue else { throw TokenizerError.invalid("added_tokens is not an array") }
        var tokens: [AddedToken] = []
        for (i, item) in items.enumerated() {
            let path = "added_tokens[\(i)]"
            let o = try object(item, path)
            if let idValue = o["id"], !idValue.isNull { _ = try id(idValue, "\(path).id") }
            tokens.append(AddedToken(
                content: try string(o, "content", path, default: nil),
                singleWord: try bool(o, "single_word", path, default: false),
                lstrip: try bool(o, "lstrip", path, default: false),
                rstrip: try bool(o, "rstrip", path, default: false),
                normalized: try bool(o, "normalized", path, default: true),
                special: try bool(o, "special", path, default: false)))
        }
        return tokens
    }

    static func parseTruncation(_ value: JSONValue?) throws(TokenizerError) -> Truncation? {
        guard let value, !value.isNull else { return nil }
        let o = try object(value, "truncation")
        let direction = try string(o, "direction", "truncation", default: "Right")
        guard direction == "Right" else { throw TokenizerError.unsupported("truncation direction \"\(direction)\"") }
        let strategy: TruncationStrategy
        switch try string(o, "strategy", "truncation", default: "LongestFirst") {
        case "LongestFirst": strategy = .longestFirst
        case "OnlyFirst": strategy = .onlyFirst
        case "OnlySecond": strategy = .onlySecond
        case let other: throw TokenizerError.unsupported("truncation strategy \"\(other)\"")
        }
        return Truncation(maxLength: try int(o, "max_length", "truncation", default: 512), strategy: strategy,
                          stride: try int(o, "stride", "truncation", default: 0))
    }

    static func parsePadding(_ value: JSONValue?) throws(TokenizerError) -> Padding? {
        guard let value, !value.isNull else { return nil }
        let o = try object(value, "padding")
        let direction = try string(o, "direction", "padding", default: "Right")
        guard direction == "Right" else { throw TokenizerError.unsupported("padding direction \"\(direction)\"") }
        let length: Padding.Length
        switch o["strategy"] {
        case nil, .null?, .string("BatchLongest")?:
            length = .batchLongest
        case let .object(s)? where s.count == 1 && s["Fixed"] != nil:
            length = .fixed(try int(s, "Fixed", "padding.strategy", default: nil))
        case let other?:
            throw TokenizerError.unsupported("padding strategy \(String(decoding: JSONWriter.encode(other), as: UTF8.self))")
        }
        var multiple: Int? = nil
        if let m = o["pad_to_multiple_of"], !m.isNull {
            multiple = try int(o, "pad_to_multiple_of", "padding", default: nil)
        }
        let padId = try id(o["pad_id"] ?? .number(0), "padding.pad_id")
        let padTypeId = try id(o["pad_type_id"] ?? .number(0), "padding.pad_type_id")
        return Padding(length: length, padToMultipleOf: multiple, padId: padId, padTypeId: padTypeId,
                       padToken: try string(o, "pad_token", "padding", default: "[PAD]"))
    }
}
