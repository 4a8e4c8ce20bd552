import Testing
import TesseraIO

@Suite struct JSONWriterTests {
    func written(_ s: String) -> String {
        var out: [UInt8] = []
        JSONWriter.appendString(s, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test func escapesQuotesBackslashesAndControls() {
        #expect(written("a\"b\\c") == #""a\"b\\c""#)
        #expect(written("x\ny\t\u{0}\u{1F}") == #""x\u000ay\u0009\u0000\u001f""#)
        #expect(written("é 中 😀 \u{7F}") == "\"é 中 😀 \u{7F}\"")
    }

    @Test func numbers() {
        func n(_ d: Double) -> String {
            var out: [UInt8] = []
            JSONWriter.appendNumber(d, to: &out)
            return String(decoding: out, as: UTF8.self)
        }
        #expect(n(3) == "3")
        #expect(n(-17) == "-17")
        #expect(n(0.1) == "0.1")
        #expect(n(1e-5) == "1e-05")
        #expect(n(.infinity) == "null")
        #expect(n(.nan) == "null")
    }

    @Test func roundTrips() throws {
        let source = #"{"a":[1,2.5,"x\"y",null,true,false],"b":{"c":"é\u0001"},"a":-3}"#
        let value = try JSONValue.parse(Array(source.utf8))
        let encoded = JSONWriter.encode(value)
        #expect(try JSONValue.parse(encoded) == value)
        #expect(String(decoding: encoded, as: UTF8.self) == #"{"a":[1,2.5,"x\"y",null,true,false],"b":{"c":"é\u0001"},"a":-3}"#)
    }
}
