import Foundation
import Testing
import TesseraIO
@testable import TesseraIndex

@Suite struct IndexStorageTests {
    /// Writes a small index with one array of every element type, strings and document ids.
    func writeSample(to path: String, marker: Int32 = 7) throws {
        let writer = try IndexFolderWriter(destination: path, kind: .dense)
        writer.model = .object(JSONObject([("name", .string("test-model")), ("sha256", .string("abc"))]))
        writer.dimension = 3
        writer.parameters = JSONObject([("metric", .string("ip"))])
        writer.counts = ["documents": 2, "vectors": 2]
        try writer.addArray("i32", [marker, -1, Int32.max])
        try writer.addArray("u32", [UInt32(0), 1, UInt32.max])
        try writer.addArray("i64", [Int64.min, 0, 1 << 40])
        try writer.addArray("f32", [Float(1.5), -0.25, .infinity])
        try writer.addArray("u8", [UInt8](0...255))
        try writer.addArray("u16", [UInt16(1), 65535])
        try writer.addArray("empty", [Float]())
        let stream = try writer.beginArray("streamed", of: Int32.self)
        for chunk in 0..<10 { try stream.append((0..<1000).map { Int32(chunk * 1000 + $0) }) }
        try stream.append(Int32(-5))
        try stream.finish()
        try writer.addStrings("names", ["", "héllo", "東京", "x"])
        try writer.addDocumentIDs(["doc-1", "doc-2"])
        try writer.commit()
    }

    @Test func roundTrip() throws {
        let dir = makeTemporaryFolder()
        let path = dir + "/index"
        try writeSample(to: path)
        #expect(folderContents(dir) == ["index"])  // no temporary or old folder left
        let folder = try IndexFolder(path: path, kind: .dense)
        let m = folder.manifest
        #expect(m.formatVersion == IndexManifest.currentFormatVersion)
        #expect(m.kind == .dense)
        #expect(m.model["name"]?.stringValue == "test-model")
        #expect(m.dimension == 3)
        #expect(m.parameters["metric"]?.stringValue == "ip")
        #expect(m.counts == ["documents": 2, "vectors": 2])
        #expect(Array(try folder.array("i32", as: Int32.self)) == [7, -1, Int32.max])
        #expect(Array(try folder.array("u32", as: UInt32.self)) == [0, 1, UInt32.max])
        #expect(Array(try folder.array("i64", as: Int64.self)) == [Int64.min, 0, 1 << 40])
        #expect(Array(try folder.array("f32", as: Float.self)) == [1.5, -0.25, .infinity])
        #expect(Array(try folder.array("u8", as: UInt8.self)) == [UInt8](0...255))
        #expect(Array(try folder.array("u16", as: UInt16.self)) == [1, 65535])
        #expect(try folder.array("empty", as: Float.self).isEmpty)
        let streamed = try folder.array("streamed", as: Int32.self, count: 10_001)
        #expect(streamed[9_999] == 9_999 && streamed[10_000] == -5)
        #expect(Array(try folder.strings("names")) == ["", "héllo", "東京", "x"])
        #expect(Array(try folder.documentIDs()) == ["doc-1", "doc-2"])
        // Files are flat little-endian arrays with the manifest's sizes and checksums.
        let raw = try Data(contentsOf: URL(fileURLWithPath: path + "/i32.bin"))
        #expect(Array(raw.prefix(4)) == [7, 0, 0, 0])
        let info = try #require(m.array(named: "u16"))
        #expect(info.file == "u16.bin" && info.dtype == .uint16 && info.count == 2 && info.byteCount == 4)
        #expect(info.sha256 == Array([UInt8]([1, 0, 255, 255])).withUnsafeBytes { SHA256.hex(of: $0) })
        // Asking for the wrong element type or a missing array fails clearly.
        #expect { try folder.array("i32", as: Float.self) } throws: { ($0 as? IndexError)?.code == .invalidArray }
        #expect { try folder.array("nope", as: Float.self) } throws: { ($0 as? IndexError)?.code == .missingArray }
        #expect { try IndexFolder(path: path, kind: .bm25) } throws: { ($0 as? IndexError)?.code == .wrongKind }
    }

    @Test func modelIdentityCheck() throws {
        let dir = makeTemporaryFolder()
        try writeSample(to: dir + "/index")
        let m = try IndexFolder(path: dir + "/index").manifest
        let model = JSONValue.object(JSONObject([("name", .string("test-model")), ("sha256", .string("abc"))]))
        try m.requireModel(model, dimension: 3, folder: dir)
        #expect { try m.requireModel(model, dimension: 4, folder: dir) } throws: { ($0 as? IndexError)?.code == .incompatibleModel }
        #expect { try m.requireModel(.object(JSONObject([("name", .string("other"))])), dimension: 3, folder: dir) } throws: {
            guard let e = $0 as? IndexError else { return false }
            return e.code == .incompatibleModel && e.message.contains("test-model") && e.message.contains("other")
        }
    }

    @Test func truncatedArrayFileIsDetectedAtOpen() throws {
        let dir = makeTemporaryFolder()
        try writeSample(to: dir + "/index")
        let file = dir + "/index/i64.bin"
        let handle = try #require(FileHandle(forWritingAtPath: file))
        try handle.truncate(atOffset: 20)
        try handle.close()
        #expect { try IndexFolder(path: dir + "/index", verifyChecksums: false) } throws: {
            guard let e = $0 as? IndexError else { return false }
            return e.code == .sizeMismatch && e.message.contains("i64.bin") && e.message.contains("20 bytes")
        }
    }

    @Test func flippedByteFailsChecksum() throws {
        let dir = makeTemporaryFolder()
        try writeSample(to: dir + "/index")
        let file = dir + "/index/u8.bin"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        bytes[100] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: file))
        #expect { try IndexFolder(path: dir + "/index") } throws: {
            guard let e = $0 as? IndexError else { return false }
            return e.code == .checksumMismatch && e.message.contains("u8.bin")
        }
        // Skipping the check opens the folder; an explicit check still catches it.
        let folder = try IndexFolder(path: dir + "/index", verifyChecksums: false)
        #expect { try folder.verifyChecksums() } throws: { ($0 as? IndexError)?.code == .checksumMismatch }
    }

    @Test func missingFilesAndFolders() throws {
        let dir = makeTemporaryFolder()
        #expect { try IndexFolder(path: dir + "/nothing") } throws: {
            guard let e = $0 as? IndexError else { return false }
            return e.code == .missingFolder && e.message.contains("nothing")
        }
        try FileManager.default.createDirectory(atPath: dir + "/empty", withIntermediateDirectories: false)
        #expect { try IndexFolder(path: dir + "/empty") } throws: { ($0 as? IndexError)?.code == .missingManifest }
        try writeSample(to: dir + "/index")
        try FileManager.default.removeItem(atPath: dir + "/index/f32.bin")
        #expect { try IndexFolder(path: dir + "/index") } throws: {
            guard let e = $0 as? IndexError else { return false }
            return e.code == .missingArray && e.message.contains("f32.bin")
        }
    }

    /// Format version 2 names kinds as the CLI does (`kind` + `layout` for tokens); a version-1 folder of every kind
    /// still opens as the same kind; a kind and layout that do not go together are refused.
    @Test func versionTwoNamesKindsAsTheCLIAndVersionOneStillOpens() throws {
        let dir = makeTemporaryFolder()
        let cases: [(IndexKind, String, String?)] = [(.bm25, "bm25", nil), (.dense, "dense", nil), (.documents, "documents", nil),
                                                     (.tokens, "tokens", "exact"), ("tokens-warp", "tokens", "warp")]
        func manifest(_ path: String) throws -> JSONObject {
            try #require(try JSONValue.parse(Array(Data(contentsOf: URL(fileURLWithPath: path + "/manifest.json")))).objectValue)
        }
        func write(_ object: JSONObject, _ path: String) throws {
            try Data(JSONWriter.encode(.object(object))).write(to: URL(fileURLWithPath: path + "/manifest.json"))
        }
        func error(_ path: String) -> IndexError? {
            do { _ = try IndexFolder(path: path); return nil } catch { return error }
        }
        for (kind, name, layout) in cases {
            let path = dir + "/" + kind.rawValue
            let writer = try IndexFolderWriter(destination: path, kind: kind)
            try writer.addArray("x", [Int32(1), 2])
            try writer.commit()
            var object = try manifest(path)
            #expect(object["format_version"]?.intValue == 2 && object["kind"]?.stringValue == name, "\(kind)")
            #expect(object["layout"]?.stringValue == layout, "\(kind)")
            #expect(try IndexFolder(path: path, kind: kind).manifest.kind == kind)
            // The same folder as format version 1 wrote it.
            let v2 = object
            object.entries.removeAll { $0.key == "layout" }
            for i in object.entries.indices {
                if object.entries[i].key == "format_version" { object.entries[i].value = .number(1) }
                if object.entries[i].key == "kind" { object.entries[i].value = .string(kind.rawValue) }
            }
            try write(object, path)
            let old = try IndexFolder(path: path, kind: kind)
            #expect(old.manifest.formatVersion == 1 && old.manifest.kind == kind)
            // Version 1 has no layout; version 2 has no `tokens-warp`, and each kind takes only its own layouts.
            object.entries.append(("layout", .string("warp")))
            try write(object, path)
            #expect(error(path)?.code == .invalidManifest)
            var edited = v2
            edited.entries.removeAll { $0.key == "layout" }
            try write(edited, path)
            #expect((error(path) == nil) == (layout == nil), "\(kind) without a layout")
            edited.entries.append(("layout", .string(layout == nil ? "exact" : "flat")))
            try write(edited, path)
            #expect(error(path)?.code == .invalidManifest, "\(kind) with a wrong layout")
            edited.entries.removeAll { $0.key == "layout" }
            edited.entries.append(("layout", .number(1)))
            try write(edited, path)
            #expect(error(path)?.code == .invalidManifest)
        }
        let path = dir + "/tokens-warp"
        var object = try manifest(path)
        for i in object.entries.indices {
            if object.entries[i].key == "format_version" { object.entries[i].value = .number(2) }
            if object.entries[i].key == "kind" { object.entries[i].value = .string("tokens-warp") }
        }
        object.entries.removeAll { $0.key == "layout" }
        try write(object, path)  // format 2, kind "tokens-warp"
        #expect(error(path)?.code == .unknownKind)
    }

    /// Rewrites one manifest field (as JSON text) and returns the error of opening the folder.
    func openWithManifestEdit(_ edit: (inout JSONObject) -> Void) throws -> IndexError? {
        let dir = makeTemporaryFolder()
        try writeSample(to: dir + "/index")
        let path = dir + "/index/manifest.json"
        var object = try #require(try JSONValue.parse(Array(Data(contentsOf: URL(fileURLWithPath: path)))).objectValue)
        edit(&object)
        try Data(JSONWriter.encode(.object(object))).write(to: URL(fileURLWithPath: path))
        do {
            _ = try IndexFolder(path: dir + "/index")
            return nil
        } catch { return error }
    }

    func set(_ key: String, _ value: JSONValue) -> (inout JSONObject) -> Void {
        { object in
            if let i = object.entries.firstIndex(where: { $0.key == key }) { object.entries[i].value = value }
        }
    }

    @Test func manifestVersionKindAndSyntaxErrors() throws {
        let newer = try openWithManifestEdit(set("format_version", .number(3)))
        #expect(newer?.code == .unsupportedFormatVersion)
        #expect(newer?.message.contains("newer") == true)
        #expect(try openWithManifestEdit(set("format_version", .number(0)))?.code == .unsupportedFormatVersion)
        #expect(try openWithManifestEdit(set("format_version", .string("1")))?.code == .invalidManifest)
        let kind = try openWithManifestEdit(set("kind", .string("quantum")))
        #expect(kind?.code == .unknownKind)
        #expect(kind?.message.contains("quantum") == true)
        #expect(try openWithManifestEdit(set("format", .string("other")))?.code == .invalidManifest)
        #expect(try openWithManifestEdit({ $0.entries.removeAll { $0.key == "counts" } })?.code == .invalidManifest)
        #expect(try openWithManifestEdit(set("arrays", .array([.object(JSONObject([
            ("name", .string("x")), ("file", .string("../x.bin")), ("dtype", .string("int32")),
            ("count", .number(1)), ("bytes", .number(4)), ("sha256", .string("00")),
        ]))])))?.code == .invalidManifest)
        #expect(try openWithManifestEdit(set("arrays", .array([.object(JSONObject([
            ("name", .string("x")), ("file", .string("x.bin")), ("dtype", .string("int32")),
            ("count", .number(2)), ("bytes", .number(4)), ("sha256", .string("00")),
        ]))])))?.code == .invalidManifest)
        #expect(try openWithManifestEdit(set("arrays", .array([.object(JSONObject([
            ("name", .string("x")), ("file", .string("x.bin")), ("dtype", .string("complex64")),
            ("count", .number(1)), ("bytes", .number(8)), ("sha256", .string("00")),
        ]))])))?.code == .invalidManifest)
        #expect(try openWithManifestEdit(set("kind", .string("dense"))) == nil)  // the unedited manifest opens

        let dir = makeTemporaryFolder()
        try writeSample(to: dir + "/index")
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: dir + "/index/manifest.json"))
        #expect { try IndexFolder(path: dir + "/index") } throws: {
            guard let e = $0 as? IndexError else { return false }
            return e.code == .invalidManifest && e.message.contains("manifest.json")
        }
    }

    @Test func abandonedWriterLeavesOldIndexIntactAndNoTemporaryFolder() throws {
        let dir = makeTemporaryFolder()
        let path = dir + "/index"
        try writeSample(to: path, marker: 1)
        do {
            let writer = try IndexFolderWriter(destination: path, kind: .dense)
            try writer.addArray("i32", [Int32(2)])
            #expect(folderContents(dir).count == 2)  // the index and the hidden temporary folder
            #expect(folderContents(writer.temporaryPath) == ["i32.bin"])  // no manifest until commit
            #expect { try IndexFolder(path: writer.temporaryPath) } throws: { ($0 as? IndexError)?.code == .missingManifest }
            // dropped here without commit()
        }
        #expect(folderContents(dir) == ["index"])
        #expect(try IndexFolder(path: path).array("i32", as: Int32.self)[0] == 1)

        let writer = try IndexFolderWriter(destination: path, kind: .dense)
        try writer.addArray("i32", [Int32(3)])
        writer.abandon()
        #expect(folderContents(dir) == ["index"])
        #expect { try writer.commit() } throws: { ($0 as? IndexError)?.code == .invalidArgument }
        #expect(try IndexFolder(path: path).array("i32", as: Int32.self)[0] == 1)
    }

    @Test func commitReplacesOldIndexCompletely() throws {
        let dir = makeTemporaryFolder()
        let path = dir + "/index"
        try writeSample(to: path, marker: 1)
        let writer = try IndexFolderWriter(destination: path, kind: .bm25)
        try writer.addArray("only", [UInt8(9)])
        try writer.commit()
        #expect(folderContents(dir) == ["index"])
        #expect(folderContents(path) == ["manifest.json", "only.bin"])  // nothing of the old index remains
        let folder = try IndexFolder(path: path)
        #expect(folder.manifest.kind == .bm25)
        #expect(folder.manifest.model == .null && folder.manifest.dimension == nil)
        #expect { try writer.commit() } throws: { ($0 as? IndexError)?.code == .invalidArgument }
    }

    @Test func writerErrors() throws {
        let dir = makeTemporaryFolder()
        // A folder with other content, or a file, is never replaced.
        try FileManager.default.createDirectory(atPath: dir + "/mine", withIntermediateDirectories: false)
        try Data("keep".utf8).write(to: URL(fileURLWithPath: dir + "/mine/notes.txt"))
        #expect { try IndexFolderWriter(destination: dir + "/mine", kind: .bm25) } throws: { ($0 as? IndexError)?.code == .destinationNotIndex }
        try Data("keep".utf8).write(to: URL(fileURLWithPath: dir + "/file"))
        #expect { try IndexFolderWriter(destination: dir + "/file", kind: .bm25) } throws: { ($0 as? IndexError)?.code == .destinationNotIndex }
        #expect(FileManager.default.fileExists(atPath: dir + "/mine/notes.txt"))
        // An empty folder may be replaced.
        try FileManager.default.createDirectory(atPath: dir + "/empty", withIntermediateDirectories: false)
        let ok = try IndexFolderWriter(destination: dir + "/empty", kind: .bm25)
        try ok.commit()
        #expect(try IndexFolder(path: dir + "/empty").manifest.arrays.isEmpty)
        // Missing parent folder.
        #expect { try IndexFolderWriter(destination: dir + "/no/such/index", kind: .bm25) } throws: { ($0 as? IndexError)?.code == .writeFailed }
        // Bad or duplicate names, unfinished streams.
        let writer = try IndexFolderWriter(destination: dir + "/index", kind: .bm25)
        #expect { try writer.addArray("../evil", [UInt8(1)]) } throws: { ($0 as? IndexError)?.code == .invalidArgument }
        #expect { try writer.addArray(".hidden", [UInt8(1)]) } throws: { ($0 as? IndexError)?.code == .invalidArgument }
        try writer.addArray("a", [UInt8(1)])
        #expect { try writer.addArray("a", [UInt8(2)]) } throws: { ($0 as? IndexError)?.code == .invalidArgument }
        let stream = try writer.beginArray("open", of: Float.self)
        try stream.append(Float(1))
        #expect { try writer.commit() } throws: { ($0 as? IndexError)?.code == .invalidArgument }
        try stream.finish()
        try writer.commit()
        #expect(Array(try IndexFolder(path: dir + "/index").array("open", as: Float.self)) == [1])
    }

    @Test func interruptedCommitIsRecoveredByTheNextWriter() throws {
        let dir = makeTemporaryFolder()
        let path = dir + "/index"
        try writeSample(to: path, marker: 1)
        // Simulate a writer (process 999999999, not running) killed between "rename old away" and "rename new in".
        let old = dir + "/.index.old-999999999-1"
        let tmp = dir + "/.index.tmp-999999999-2"
        try FileManager.default.moveItem(atPath: path, toPath: old)
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: false)
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: tmp + "/partial.bin"))
        #expect { try IndexFolder(path: path) } throws: {
            guard let e = $0 as? IndexError else { return false }
            return e.code == .missingFolder && e.message.contains(".index.old-999999999-1")
        }
        // The next writer puts the previous index back and removes the dead writer's temporary folder.
        let writer = try IndexFolderWriter(destination: path, kind: .dense)
        #expect(try IndexFolder(path: path).array("i32", as: Int32.self)[0] == 1)
        #expect(!FileManager.default.fileExists(atPath: tmp))
        #expect(!FileManager.default.fileExists(atPath: old))
        writer.abandon()
        #expect(folderContents(dir) == ["index"])
    }

    @Test func stringTableValidationAndSearch() throws {
        let table = StringTable(["apple", "banana", "cherry", "é"])
        #expect(table.isStrictlySorted)
        #expect(table.sortedIndex(of: "banana") == 1)
        #expect(table.sortedIndex(of: "é") == 3)
        #expect(table.sortedIndex(of: "blueberry") == nil)
        #expect(table.firstIndex(of: "cherry") == 2)
        #expect(!StringTable(["b", "a"]).isStrictlySorted)
        #expect(!StringTable(["a", "a"]).isStrictlySorted)
        let bytes = IndexArray<UInt8>(Array("abc".utf8))
        #expect(Array(try StringTable(bytes: bytes, offsets: IndexArray<Int64>([0, 1, 3]), name: "t")) == ["a", "bc"])
        for bad: [Int64] in [[], [1, 3], [0, 2, 1, 3], [0, 2]] {
            #expect { try StringTable(bytes: bytes, offsets: IndexArray(bad), name: "t") } throws: { ($0 as? IndexError)?.code == .invalidArray }
        }
    }
}
