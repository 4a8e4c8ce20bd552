import Foundation
import Testing
@testable import TesseraIO
import TesseraTestSupport

func temporaryFolder() -> String {
    let path = TestFolder.make("tessera-test")
    return path
}

@Suite struct SHA256Tests {
    func hex(_ s: String) -> String { Array(s.utf8).withUnsafeBytes { SHA256.hex(of: $0) } }

    @Test func nistVectors() {
        #expect(hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func incrementalEqualsOneShot() {
        let data = (0..<1000).map { UInt8($0 % 251) }
        var h = SHA256()
        for chunk in stride(from: 0, to: data.count, by: 77) {
            data[chunk..<min(chunk + 77, data.count)].withUnsafeBytes { h.update($0) }
        }
        #expect(h.finalizeHex() == data.withUnsafeBytes { SHA256.hex(of: $0) })
    }

    /// The SHA-instruction path (where the CPU has it) and the portable one agree on every length around block
    /// and padding boundaries, and on a million 'a's (FIPS 180-2 test vector).
    @Test func instructionAndPortablePathsAgree() {
        var state: UInt64 = 42
        let data: [UInt8] = (0..<5000).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        for length in [0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 1000, 4096, 5000] {
            var fast = SHA256(), portable = SHA256()
            portable.portable = true
            data[0..<length].withUnsafeBytes { fast.update($0); portable.update($0) }
            #expect(fast.finalizeHex() == portable.finalizeHex(), "length \(length)")
        }
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(million.withUnsafeBytes { SHA256.hex(of: $0) } == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}

@Suite struct FileTests {
    @Test func npyHeaderIsNumpyFormatAndRowsAreCounted() throws {
        let dir = temporaryFolder()
        let path = dir + "/x.npy"
        let writer = try NPYWriter(path: path, columns: 3)
        let values: [Float] = [1, 2, 3, 4, 5, 6]
        try values.withUnsafeBufferPointer { try writer.append($0) }
        #expect(!FileManager.default.fileExists(atPath: path), "nothing at the destination before finish()")
        try writer.finish()
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(bytes.count == 128 + 24)
        #expect(Array(bytes[0..<6]) == [0x93] + Array("NUMPY".utf8))
        let header = String(decoding: bytes[10..<128], as: UTF8.self)
        #expect(header.contains("'descr': '<f4'") && header.contains("'shape': (2, 3)"))
        #expect(bytes[127] == 0x0A)
        let floats = bytes[128...].withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        #expect(floats == values)
    }

    @Test func abandonedWriterLeavesNothingAndKeepsOldFile() throws {
        let dir = temporaryFolder()
        let path = dir + "/keep.npy"
        try Data("old".utf8).write(to: URL(fileURLWithPath: path))
        do {
            let writer = try NPYWriter(path: path, columns: 2)
            try [Float(1), 2].withUnsafeBufferPointer { try writer.append($0) }
            // dropped without finish()
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "old")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["keep.npy"])
    }

    @Test func unwritableDestinationIsAClearError() {
        #expect(throws: IOError.self) { try NPYWriter(path: "/nonexistent-folder/x.npy", columns: 2) }
        do { _ = try NPYWriter(path: "/nonexistent-folder/x.npy", columns: 2) } catch {
            #expect(error.message.contains("does not exist"))
        }
    }

    @Test func lineReaderHandlesCRLFAndMissingFinalNewline() throws {
        let dir = temporaryFolder()
        let path = dir + "/l.txt"
        try Data("a\r\nbb\n\nccc".utf8).write(to: URL(fileURLWithPath: path))
        let reader = try LineReader(path: path)
        var lines: [String] = []
        while let l = try reader.next() { lines.append(String(decoding: l, as: UTF8.self)) }
        #expect(lines == ["a", "bb", "", "ccc"])
        #expect(reader.lineNumber == 4)
    }

    @Test func mappedFileMissingIsAnError() {
        #expect(throws: IOError.self) { try MappedFile(path: "/nonexistent/file.bin") }
    }
}

@Suite struct TextRecordTests {
    func records(_ content: [UInt8]) throws -> [TextRecord] {
        let path = temporaryFolder() + "/in.jsonl"
        try Data(content).write(to: URL(fileURLWithPath: path))
        let reader = try TextRecordReader(path: path)
        var out: [TextRecord] = []
        while let r = try reader.next() { out.append(r) }
        return out
    }

    @Test func readsTextTitleAndIds() throws {
        let r = try records(Array("{\"text\": \"a\"}\n\n{\"_id\": \"d1\", \"title\": \"T\", \"text\": \"b\"}\n{\"_id\": 7, \"title\": \"\", \"text\": \"\"}\n".utf8))
        #expect(r.count == 3)
        #expect(r[0].encodedText == "a" && r[0].line == 1)
        #expect(r[1].encodedText == "T b" && r[1].id == "d1" && r[1].line == 3)
        #expect(r[2].encodedText == "" && r[2].id == "7")
    }

    @Test func malformedLineIsNamed() {
        do {
            _ = try records(Array("{\"text\": \"a\"}\n{\"text\": \"b\"\n".utf8))
            Issue.record("expected an error")
        } catch let error as IOError {
            #expect(error.message.contains(":2:"), "\(error.message)")
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func invalidUTF8IsNamed() {
        do {
            _ = try records(Array("{\"text\": \"ok\"}\n".utf8) + [0x7B, 0x22, 0x74, 0x65, 0x78, 0x74, 0x22, 0x3A, 0x22, 0xFF, 0x22, 0x7D, 0x0A])
            Issue.record("expected an error")
        } catch let error as IOError {
            #expect(error.code == .invalidUTF8 && error.message.contains(":2:"), "\(error.message)")
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func missingOrWrongTextField() {
        for (line, fragment) in [("{\"title\": \"x\"}", "missing field"), ("{\"text\": 3}", "not a string"), ("[1]", "JSON object")] {
            do {
                _ = try records(Array((line + "\n").utf8))
                Issue.record("expected an error for \(line)")
            } catch let error as IOError {
                #expect(error.message.contains(fragment), "\(error.message)")
            } catch { Issue.record("unexpected \(error)") }
        }
    }
}
