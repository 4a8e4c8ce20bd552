import Foundation
import Testing
import TesseraIO

@Suite struct JSONParserTests {
    func parse(_ s: String) throws -> JSONValue { try JSONValue.parse(Array(s.utf8)) }

    func error(_ bytes: [UInt8]) -> JSONError? {
        do {
            _ = try JSONValue.parse(bytes)
            return nil
        } catch {
            return error
        }
    }

    func error(_ s: String) -> JSONError? { error(Array(s.utf8)) }

    @Test func scalars() throws {
        #expect(try parse("null") == .null)
        #expect(try parse(" true ") == .bool(true))
        #expect(try parse("false") == .bool(false))
        #expect(try parse("0") == .number(0))
        #expect(try parse("-12") == .number(-12))
        #expect(try parse("3.25e2") == .number(325))
        #expect(try parse("1E-2") == .number(0.01))
        #expect(try parse("123456789012345678") == .number(123456789012345680))
        #expect(try parse("\"hi\"") == .string("hi"))
        #expect(try parse("-0").doubleValue?.sign == .minus)
    }

    @Test func containersKeepOrderAndDuplicates() throws {
        let v = try parse(#"{"b": [1, 2, {"x": null}], "a": "z", "b": 3}"#)
        let o = try #require(v.objectValue)
        #expect(o.keys == ["b", "a", "b"])
        #expect(o["b"] == .array([.number(1), .number(2), .object(JSONObject([(key: "x", value: .null)]))]))
        #expect(v["a"]?.stringValue == "z")
        #expect(try parse("[]") == .array([]))
        #expect(try parse("{}") == .object(JSONObject()))
    }

    @Test func accessors() throws {
        let v = try parse(#"{"i": 42, "f": 1.5, "big": 1e300, "s": "x", "t": true, "n": null, "a": [1]}"#)
        #expect(v["i"]?.intValue == 42)
        #expect(v["f"]?.intValue == nil)
        #expect(v["f"]?.doubleValue == 1.5)
        #expect(v["big"]?.intValue == nil)
        #expect(v["s"]?.stringValue == "x")
        #expect(v["s"]?.intValue == nil)
        #expect(v["t"]?.boolValue == true)
        #expect(v["n"]?.isNull == true)
        #expect(v["a"]?.arrayValue?.count == 1)
        #expect(v["missing"] == nil)
    }

    @Test func keysCompareByBytesNotCanonicalEquivalence() throws {
        // "é" precomposed and decomposed are canonically equivalent Swift Strings but distinct keys.
        let v = try parse("{\"e\\u0301\": 1, \"\\u00e9\": 2}")
        #expect(v["e\u{301}"]?.intValue == 1)
        #expect(v["\u{E9}"]?.intValue == 2)
        #expect(JSONValue.string("\u{E9}") != JSONValue.string("e\u{301}"))
    }

    @Test func escapesAndSurrogatePairs() throws {
        let v = try parse(#""a\"b\\c\/d\b\f\n\r\t\u0041\u00e9\u4e2d\ud83d\ude00""#)
        #expect(v.stringValue == "a\"b\\c/d\u{8}\u{C}\n\r\tAé中😀")
        #expect(try parse("\"raw é 😀\"").stringValue == "raw é 😀")
        #expect(try parse(#""\u0000""#).stringValue == "\u{0}")
    }

    @Test func rejectsLoneSurrogates() {
        #expect(error(#""\ud800""#)?.message.contains("lone high surrogate") == true)
        #expect(error(#""\ud800\u0041""#)?.message.contains("lone high surrogate") == true)
        #expect(error(#""\udc00""#)?.message.contains("lone low surrogate") == true)
        #expect(error(#""ab\udc00""#)?.byteOffset == 3)
    }

    @Test func rejectsInvalidUTF8WithOffset() {
        let cases: [[UInt8]] = [
            [0x22, 0x61, 0xFF, 0x22],              // invalid byte
            [0x22, 0x61, 0xC3, 0x22],              // truncated sequence
            [0x22, 0x61, 0xC0, 0xAF, 0x22],        // overlong
            [0x22, 0x61, 0xED, 0xA0, 0x80, 0x22],  // UTF-8 encoded surrogate
            [0x22, 0x61, 0xF4, 0x90, 0x80, 0x80, 0x22],  // > U+10FFFF
        ]
        for bytes in cases {
            let e = error(bytes)
            #expect(e?.message == "invalid UTF-8", "\(bytes)")
            #expect(e?.byteOffset == 2, "\(bytes)")
            #expect(e?.description == "invalid UTF-8 at byte 2")
        }
        #expect(error([0x5B, 0xFF, 0x5D])?.description == "invalid UTF-8 at byte 1")
    }

    @Test func rejectsTruncatedInput() {
        for s in ["", "{", "[1, 2", "{\"a\": ", "{\"a\"", "\"abc", "tru", "-", "1.", "1e", "[1,"] {
            #expect(error(s) != nil, "\(s)")
        }
        #expect(error("\"abc")?.message == "unterminated string")
        #expect(error("[1, 2")?.byteOffset == 5)
    }

    @Test func rejectsGrammarViolations() {
        let bad = ["01", "+1", ".5", "1.e3", "[1,]", "{\"a\":1,}", "{a: 1}", "'x'", "[1 2]", "NaN", "Infinity",
                   "\"a\tb\"", "\"\\x\"", "\"\\u12G4\"", "1e999", "{\"a\" 1}", "\u{FEFF}1", "nul", "[,1]"]
        for s in bad { #expect(error(s) != nil, "\(s)") }
        #expect(error("\"a\tb\"")?.message.contains("control character") == true)
        #expect(error("\"a\tb\"")?.byteOffset == 2)
    }

    @Test func rejectsTrailingGarbage() {
        #expect(error("{} x")?.message.contains("trailing") == true)
        #expect(error("{} x")?.byteOffset == 3)
        #expect(error("1 2") != nil)
        #expect((try? parse(" [1] \n\t")) == .array([.number(1)]))
    }

    @Test func limitsNestingDepth() throws {
        let ok = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        #expect(try parse(ok).arrayValue != nil)
        let deep = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
        #expect(error(deep)?.message.contains("nesting too deep") == true)
        let veryDeep = String(repeating: "{\"a\":", count: 100_000)
        #expect(error(veryDeep)?.message.contains("nesting too deep") == true)
    }

    @Test func dataAndBufferOverloads() throws {
        let bytes = Array("{\"k\": [true]}".utf8)
        let fromData = try JSONValue.parse(Data(bytes))
        let fromBuffer = try bytes.withUnsafeBytes { try JSONValue.parse($0) }
        #expect(fromData == fromBuffer)
        #expect(try JSONValue.parse(string: "[1]") == .array([.number(1)]))
    }

    @Test func parsesLargeVocabularyQuickly() throws {
        // A tokenizer.json-sized document (about 700 KB, 40 000 entries).
        var text = "{\"model\": {\"vocab\": {"
        for i in 0..<40_000 {
            if i > 0 { text += ", " }
            text += "\"tok\(i)_ab\\u00e9\": \(i)"
        }
        text += "}}}"
        let bytes = Array(text.utf8)
        #expect(bytes.count > 700_000)
        let start = ContinuousClock.now
        let v = try JSONValue.parse(bytes)
        let elapsed = ContinuousClock.now - start
        let vocab = try #require(v["model"]?["vocab"]?.objectValue)
        #expect(vocab.count == 40_000)
        #expect(vocab.entries[39_999].key == "tok39999_abé")
        print("parsed \(bytes.count) bytes in \(elapsed)")
    }
}
