import Foundation
import Testing
import TesseraIO
import TesseraTestSupport
@testable import TesseraModels

func writeTemp(_ bytes: [UInt8], name: String = "m.safetensors") -> String {
    let dir = TestFolder.make("tessera-st")
    let path = dir + "/" + name
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    return path
}

func expectModelError(_ fragment: String, _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("expected an error containing \(fragment)")
    } catch {
        #expect(String(describing: error).contains(fragment), "\(error)")
    }
}

@Suite struct SafeTensorsTests {
    @Test func readsF32F16AndBF16() throws {
        let path = writeTemp(makeSafeTensors([
            ("a", "F32", [2, 2], floatBytes([1, 2, 3, 4])),
            ("h", "F16", [2], [0x00, 0x3C, 0x00, 0xC0]),
            ("b", "BF16", [2], [0x80, 0x3F, 0x40, 0xC0]),
            ("ids", "I64", [1], [UInt8](repeating: 0, count: 8)),
        ]))
        let file = try SafeTensorsFile(path: path)
        #expect(file.metadata["format"] == "pt")
        #expect(Array(try file.floats("a").values) == [1, 2, 3, 4])
        #expect(try file.floats("a").shape == [2, 2])
        #expect(Array(try file.floats("h").values) == [1, -2])
        #expect(Array(try file.floats("b").values) == [1, -3])
        expectModelError("unsupported: tensor ids has dtype I64") { _ = try file.floats("ids") }
        expectModelError("no tensor named zz") { _ = try file.floats("zz") }
    }

    @Test func scalarAndEmptyTensors() throws {
        let path = writeTemp(makeSafeTensors([("s", "F32", [], floatBytes([7])), ("e", "F32", [0, 3], [])]))
        let file = try SafeTensorsFile(path: path)
        #expect(Array(try file.floats("s").values) == [7])
        #expect(try file.floats("e").count == 0)
    }

    @Test func truncatedFileNamesTheTensor() {
        let path = writeTemp(makeSafeTensors([("a", "F32", [4], floatBytes([1, 2, 3, 4]))], truncateBy: 4))
        expectModelError("tensor a") { _ = try SafeTensorsFile(path: path) }
    }

    @Test func tooShortAndHugeHeaders() {
        expectModelError("too short") { _ = try SafeTensorsFile(path: writeTemp([1, 2, 3])) }
        var huge = [UInt8](repeating: 0, count: 16)
        huge[0] = 0xFF; huge[1] = 0xFF; huge[2] = 0xFF; huge[3] = 0xFF; huge[4] = 0x01
        expectModelError("exceeds") { _ = try SafeTensorsFile(path: writeTemp(huge)) }
        var past = [UInt8](repeating: 0x20, count: 16)
        past[0] = 100; past[1] = 0; past[2] = 0; past[3] = 0; past[4] = 0; past[5] = 0; past[6] = 0; past[7] = 0
        expectModelError("past the end") { _ = try SafeTensorsFile(path: writeTemp(past)) }
    }

    @Test func corruptJSONAndBadEntries() {
        expectModelError("not valid JSON") {
            _ = try SafeTensorsFile(path: writeTemp(makeSafeTensors([], headerOverride: "{\"a\": ")))
        }
        expectModelError("unknown dtype Q9") {
            _ = try SafeTensorsFile(path: writeTemp(makeSafeTensors([("a", "Q9", [1], [0, 0, 0, 0])])))
        }
        expectModelError("tensor a: shape [3] × F32 is 12 bytes but data_offsets span 8") {
            _ = try SafeTensorsFile(path: writeTemp(makeSafeTensors([("a", "F32", [3], floatBytes([1, 2]))])))
        }
    }

    @Test func overlapAndHolesAreRejected() {
        let overlap = "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, \"b\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}"
        var bytes = makeSafeTensors([], headerOverride: overlap)
        bytes += floatBytes([1, 2])
        expectModelError("overlaps") { _ = try SafeTensorsFile(path: writeTemp(bytes)) }
        let hole = "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}"
        var holeBytes = makeSafeTensors([], headerOverride: hole)
        holeBytes += floatBytes([1, 2])
        expectModelError("hole") { _ = try SafeTensorsFile(path: writeTemp(holeBytes)) }
        let short = "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}"
        var extra = makeSafeTensors([], headerOverride: short)
        extra += floatBytes([1, 2])
        expectModelError("data section is 8 bytes but tensors cover 4") { _ = try SafeTensorsFile(path: writeTemp(extra)) }
    }

    @Test func missingFile() {
        expectModelError("cannot open") { _ = try SafeTensorsFile(path: "/nonexistent/model.safetensors") }
    }
}
