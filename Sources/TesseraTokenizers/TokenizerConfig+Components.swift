import TesseraIO

extension TokenizerConfig {
    static func parseNormalizer(_ value: JSONValue?, path: String) throws(TokenizerError) -> Normalizer? {
        guard let value, !value.isNull else { return nil }
        let o = try object(value, path)
        switch try type(o, path) {
        case "BertNormalizer":
            return .bert(BertNormalizer(
                cleanText: try bool(o, "clean_text", path, default: true),
                handleChineseChars: try bool(o, "handle_chinese_chars", path, default: true),
                stripAccents: try optionalBool(o, "strip_accents", path),
                lowercase: try bool(o, "lowercase", path, default: true)))
        case "Lowercase": return .lowercase
        case "NFD": return .nfd
        case "StripAccents": return .stripAccents
        case "Sequence":
            guard let items = o["normalizers"]?.arrayValue else {
                throw TokenizerError.invalid("\(path).normalizers is not an array")
            }
            var steps: [Normalizer] = []
            for (i, item) in items.enumerated() {
                if let step = try parseNormalizer(item, path: "\(path).normalizers[\(i)]") { steps.append(step) }
            }
            return .sequence(steps)
        case let other:
            throw TokenizerError.unsupported("normalizer type \"\(other)\"")
        }
    }

    static func parsePreTokenizer(_ value: JSONValue?, path: String) throws(TokenizerError) -> PreTokenizer? {
        guard let value, !value.isNull else { return nil }
        let o = try object(value, path)
        switch try type(o, path) {
        case "BertPreTokenizer": return .bert
        case "WhitespaceSplit": return .whitespaceSplit
        case "Whitespace": return .whitespace
        case "Punctuation":
            let behavior: SplitBehavior
            switch try string(o, "behavior", path, default: "Isolated") {
            case "Removed": behavior = .removed
            case "Isolated": behavior = .isolated
            case "MergedWithPrevious": behavior = .mergedWithPrevious
            case "MergedWithNext": behavior = .mergedWithNext
            case "Contiguous": behavior = .contiguous
            case let other: throw TokenizerError.unsupported("punctuation behavior \"\(other)\"")
            }
            return .punctuation(behavior)
        case "Digits":
            return .digits(individualDigits: try bool(o, "individual_digits", path, default: false))
        case "Sequence":
            guard let items = o["pretokenizers"]?.arrayValue else {
                throw TokenizerError.invalid("\(path).pretokenizers is not an array")
            }
            var steps: [PreTokenizer] = []
            for (i, item) in items.enumerated() {
                if let step = try parsePreTokenizer(item, path: "\(path).pretokenizers[\(i)]") { steps.append(step) }
            }
            return .sequence(steps)
        case let other:
            throw TokenizerError.unsupported("pre-tokenizer type \"\(other)\"")
        }
    }

    static func parseModel(_ value: JSONValue) throws(TokenizerError) -> WordPiece {
        let o = try object(value, "model")
        let modelType: String
        if let t = o["type"] {
            guard let s = t.stringValue else { throw TokenizerError.invalid("model.type is not a string") }
            modelType = s
        } else if o["merges"] != nil {
            modelType = "BPE"
        } else if o["vocab"]?.arrayValue != nil {
            modelType = "Unigram"
        } else if o["max_input_chars_per_word"] != nil {
            modelType = "WordPiece"
        } else {
            modelType = "WordLevel"
        }
        guard modelType == "WordPiece" else { throw TokenizerError.unsupported("model type \"\(modelType)\"") }
        guard let vocabObject = o["vocab"]?.objectValue else { throw TokenizerError.invalid("model.vocab is not an object") }
        var vocabulary: [(token: String, id: Int32)] = []
        vocabulary.reserveCapacity(vocabObject.count)
        for entry in vocabObject.entries {
            guard let i = entry.value.intValue, i >= 0, i <= Int(Int32.max) else {
                throw TokenizerError.invalid("model.vocab[\"\(entry.key)\"] is not a token id")
            }
            vocabulary.append((entry.key, Int32(i)))
        }
        return WordPiece(vocabulary: vocabulary,
                         unkToken: try string(o, "unk_token", "model", default: "[UNK]"),
                         continuingSubwordPrefix: try string(o, "continuing_subword_prefix", "model", default: "##"),
                         maxInputCharsPerWord: try int(o, "max_input_chars_per_word", "model", default: 100))
    }

    static func parsePostProcessor(_ value: JSONValue?) throws(TokenizerError) -> PostProcessor {
        guard let value, !value.isNull else { return .none }
        let path = "post_processor"
        let o = try object(value, path)
        switch try type(o, path) {
        case "TemplateProcessing":
            return .template(try parseTemplate(o))
        case "BertProcessing":
            func pair(_ key: String) throws(TokenizerError) -> (token: String, id: Int32) {
                guard let items = o[key]?.arrayValue, items.count == 2, let token = items[0].stringValue else {
                    throw TokenizerError.invalid("\(path).\(key) is not a [token, id] pair")
                }
                return (token, try id(items[1], "\(path).\(key)[1]"))
            }
            return .bert(cls: try pair("cls"), sep: try pair("sep"))
        case let other:
            throw TokenizerError.unsupported("post-processor type \"\(other)\"")
        }
    }

    static func parseTemplate(_ o: JSONObject) throws(TokenizerError) -> TemplateProcessing {
        let path = "post_processor"
        func pieces(_ key: String) throws(TokenizerError) -> [TemplateProcessing.Piece]? {
            guard let v = o[key], !v.isNull else { return nil }
            if let s = v.stringValue {
                return try TemplateProcessing.parsePieces(s.split(separator: " ", omittingEmptySubsequences: false)
                    .map { .text(String($0)) })
            }
            guard let items = v.arrayValue else { throw TokenizerError.invalid("\(path).\(key) is not a template") }
            var sources: [TemplateProcessing.PieceSource] = []
            for (i, item) in items.enumerated() {
                let itemPath = "\(path).\(key)[\(i)]"
                if let s = item.stringValue {
                    sources.append(.text(s))
                    continue
                }
                guard let obj = item.objectValue, obj.count == 1, let entry = obj.entries.first,
                      let body = entry.value.objectValue, let name = body["id"]?.stringValue else {
                    throw TokenizerError.invalid("\(itemPath) is not a template piece")
                }
                let typeId = try id(body["type_id"] ?? .number(0), "\(itemPath).type_id")
                switch entry.key {
                case "SpecialToken": sources.append(.piece(.special(name: name, typeId: typeId)))
                case "Sequence":
                    switch name {
                    case "A": sources.append(.piece(.sequence(isPair: false, typeId: typeId)))
                    case "B": sources.append(.piece(.sequence(isPair: true, typeId: typeId)))
                    default: throw TokenizerError.invalid("\(itemPath) names sequence \"\(name)\"")
                    }
                default: throw TokenizerError.invalid("\(itemPath) is not a template piece")
                }
            }
            return try TemplateProcessing.parsePieces(sources)
        }
        guard let single = try pieces("single") else { throw TokenizerError.invalid("\(path).single is missing") }
        let pair = try pieces("pair")
        var specials: [String: TemplateProcessing.SpecialToken] = [:]
        if let map = o["special_tokens"], !map.isNull {
            guard let mapObject = map.objectValue else { throw TokenizerError.invalid("\(path).special_tokens is not an object") }
            for entry in mapObject.entries {
                let p = "\(path).special_tokens[\"\(entry.key)\"]"
                let body = try object(entry.value, p)
                guard let idsValue = body["ids"]?.arrayValue, let tokensValue = body["tokens"]?.arrayValue,
                      idsValue.count == tokensValue.count else {
                    throw TokenizerError.invalid("\(p) needs \"ids\" and \"tokens\" of the same length")
                }
                var ids: [Int32] = []
                var tokens: [String] = []
                for (i, v) in idsValue.enumerated() { ids.append(try id(v, "\(p).ids[\(i)]")) }
                for v in tokensValue {
                    guard let s = v.stringValue else { throw TokenizerError.invalid("\(p).tokens has a non-string") }
                    tokens.append(s)
                }
                let name = body["id"]?.stringValue ?? entry.key
                specials[name] = TemplateProcessing.SpecialToken(ids: ids, tokens: tokens)
            }
        }
        for template in [single, pair ?? []] {
            for case let .special(name, _) in template where specials[name] == nil {
                throw TokenizerError.invalid("\(path) template uses special token \"\(name)\" missing from special_tokens")
            }
        }
        for case .sequence(isPair: true, _) in single {
            throw TokenizerError.invalid("\(path).single uses sequence B")
        }
        return TemplateProcessing(single: single, pair: pair, specialTokens: specials)
    }

    static func parseDecoder(_ value: JSONValue?) throws(TokenizerError) -> Decoder {
        guard let value, !value.isNull else { return .none }
        let o = try object(value, "decoder")
        switch try type(o, "decoder") {
        case "WordPiece":
            return .wordPiece(prefix: try string(o, "prefix", "decoder", default: "##"),
                              cleanup: try bool(o, "cleanup", "decoder", default: true))
        case let other:
            throw TokenizerError.unsupported("decoder type \"\(other)\"")
        }
    }
}
