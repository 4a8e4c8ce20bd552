import Foundation
import Testing
import TesseraIndex
import TesseraSearch
import TesseraTestSupport
@testable import TesseraCollections

/// A temporary folder for one collection, with the tiny model.
struct Scratch {
    let root = TestFolder.path("tessera-collection")
    let model = TinyModel.make()
    var path: String { root + "/c" }

    init() { try? FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true) }

    func create(_ indexes: Set<CollectionIndex> = [.dense, .tokens, .bm25], options: CollectionOptions = CollectionOptions(),
                at path: String? = nil) throws -> DocumentCollection {
        try DocumentCollection.create(at: path ?? self.path, model: model, indexes: indexes, options: options)
    }
}

let texts = ["hello world", "a b a b", "world hellos", "b", "hello a world b", "hello hello", "world b world", "a hello"]

func documents(_ range: Range<Int>, prefix: String = "d") -> [CollectionDocument] {
    range.map { CollectionDocument(id: "\(prefix)\($0)", title: $0 % 2 == 0 ? "T\($0)" : nil, text: texts[$0 % texts.count]) }
}

func expectError(_ code: CollectionError.Code, _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("expected an error containing \(fragment)", sourceLocation: sourceLocation)
    } catch let error as CollectionError {
        #expect(error.code == code && error.message.contains(fragment), "\(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected a CollectionError, got \(error)", sourceLocation: sourceLocation)
    }
}

@Suite struct CollectionTests {
    @Test func addSearchDeleteUpsertAndReopen() throws {
        let scratch = Scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch.root) }
        var before: [CollectionHit] = [], ids: [String] = []
        do {
            let c = try scratch.create()
            #expect(c.count == 0 && c.segmentCount == 0)
            #expect(try c.search("hello", mode: .dense, k: 3).isEmpty)
            try c.add(documents(0..<5))
            try c.add(documents(5..<8))
            #expect(c.count == 8 && c.segmentCount == 2)
            #expect(c.document(id: "d2") == CollectionDocument(id: "d2", title: "T2", text: "world hellos"))
            for mode in c.modes {
                let hits = try c.search("hello world", mode: mode, k: 20)
                #expect(!hits.isEmpty && Set(hits.map(\.id)).count == hits.count, "\(mode)")
                #expect(zip(hits, hits.dropFirst()).allSatisfy { $0.score >= $1.score }, "\(mode)")
            }
            // Exact dense search over two segments ranks as one brute-force scan would: every document, once.
            #expect(Set(try c.search("hello world", mode: .denseExact, k: 20).map(\.id)) == Set(documents(0..<8).map(\.id)))
            #expect(try c.delete(ids: ["d1", "d6", "nope"]) == 2)
            #expect(c.count == 6 && c.document(id: "d1") == nil)
            for mode in c.modes { #expect(try !c.search("a b", mode: mode, k: 20).contains { ["d1", "d6"].contains($0.id) }, "\(mode)") }
            try c.upsert([CollectionDocument(id: "d0", text: "b b b"), CollectionDocument(id: "d9", text: "world")])
            #expect(c.count == 7 && c.document(id: "d0")?.text == "b b b" && c.document(id: "d0")?.title == nil)
            before = try c.search("hello b", mode: .denseExact, k: 10)
            ids = c.documentIDs
            // One process at a time: a second open is refused while this one is alive.
            withExtendedLifetime(c) { expectError(.io, "is open in another process") { _ = try DocumentCollection(path: scratch.path) } }
        }
        // Everything survives a reopen, and the log is empty once the state holds every write.
        let reopened = try DocumentCollection(path: scratch.path)
        #expect(reopened.count == 7 && reopened.documentIDs == ids)
        #expect(try reopened.search("hello b", mode: .denseExact, k: 10) == before)
        #expect((try FileManager.default.attributesOfItem(atPath: scratch.path + "/wal.log")[.size] as? Int) == 0)
    }

    @Test func badWritesAreRefusedWholeAndChangeNothing() throws {
        let scratch = Scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch.root) }
        let c = try scratch.create([.bm25, .dense])
        try c.add(documents(0..<3))
        expectError(.documentExists, "\"d1\" exists already") { try c.add(documents(1..<4)) }
        expectError(.documentExists, "appears twice") { try c.add(documents(4..<5) + documents(4..<5)) }
        expectError(.invalidInput, "empty text") { try c.add([CollectionDocument(id: "x", text: "")]) }
        expectError(.invalidInput, "empty id") { try c.add([CollectionDocument(id: "", text: "a")]) }
        expectError(.invalidInput, "k must be at least 1") { _ = try c.search("a", mode: .dense, k: 0) }
        expectError(.notFound, "does not keep") { _ = try c.search("a", mode: .xtr, k: 1) }
        #expect(c.count == 3 && c.segmentCount == 1 && c.document(id: "d3") == nil)
        expectError(.alreadyExists, "exists already") { _ = try scratch.create() }
        expectError(.invalidInput, "needs a model") { _ = try DocumentCollection.create(at: scratch.root + "/m", model: nil, indexes: [.dense]) }
        expectError(.notFound, "is not a collection") { _ = try DocumentCollection(path: scratch.root) }
        // BM25 alone needs no model.
        let bm25 = try DocumentCollection.create(at: scratch.root + "/b", model: nil, indexes: [.bm25])
        try bm25.add(documents(0..<4))
        #expect(try bm25.search("world", mode: .bm25, k: 5).map(\.id).sorted() == ["d0", "d2"])
    }

    @Test func aLoggedWriteMissingFromTheStateIsReplayedAndATornTailDropped() throws {
        let scratch = Scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch.root) }
        do {
            let c = try scratch.create([.dense, .tokens])
            try c.add(documents(0..<3))
        }
        // A crash after the log append and before the state (a write that was being acknowledged): the record is in
        // the log only. Then a torn record after it, and a segment folder of a build that never committed.
        let (log, existing) = try WriteAheadLog.load(path: scratch.path + "/wal.log")
        #expect(existing.isEmpty)
        try log.append(LogRecord(sequence: 2, operation: .add(documents(3..<5), replace: false)).encoded())
        try log.append(LogRecord(sequence: 3, operation: .delete(["d0"])).encoded())
        let handle = try #require(FileHandle(forWritingAtPath: scratch.path + "/wal.log"))
        handle.seekToEndOfFile()
        handle.write(Data([40, 0, 0, 0, 1, 2, 3]))  // a header that promises 40 bytes, then the crash
        handle.closeFile()
        try FileManager.default.createDirectory(atPath: scratch.path + "/segments/seg-000009/dense", withIntermediateDirectories: true)
        do {
            let reopened = try DocumentCollection(path: scratch.path)
            #expect(reopened.documentIDs == ["d1", "d2", "d3", "d4"])
            #expect(!FileManager.default.fileExists(atPath: scratch.path + "/segments/seg-000009"))
            #expect(try reopened.search("world", mode: .xtr, k: 10).count == 4)
        }
        // Replayed once: the next open finds the same documents and an empty log.
        do {
            let again = try DocumentCollection(path: scratch.path)
            #expect(again.documentIDs == ["d1", "d2", "d3", "d4"])
            try again.add(documents(5..<6))
        }
        #expect(try DocumentCollection(path: scratch.path).count == 5)
    }

    @Test func damagedFilesAreClearErrors() throws {
        let scratch = Scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch.root) }
        do { try scratch.create([.bm25]).add(documents(0..<2)) }
        let state = scratch.path + "/state.json"
        let good = try Data(contentsOf: URL(fileURLWithPath: state))
        try Data("{\"format_version\": 1}".utf8).write(to: URL(fileURLWithPath: state))
        expectError(.corrupted, "bad applied_sequence") { _ = try DocumentCollection(path: scratch.path) }
        try good.write(to: URL(fileURLWithPath: state))
        try Data("{\"format\": \"tessera-collection\", \"format_version\": 7}".utf8).write(to: URL(fileURLWithPath: scratch.path + "/collection.json"))
        expectError(.corrupted, "format version 7") { _ = try DocumentCollection(path: scratch.path) }
    }

    @Test func mergeKeepsTheLiveDocumentsAndTheirRanking() throws {
        let scratch = Scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch.root) }
        var options = CollectionOptions()
        options.mergeThreshold = 3
        let c = try scratch.create([.dense, .tokens, .bm25], options: options)
        for i in 0..<3 { try c.add(documents((i * 3)..<(i * 3 + 3))) }
        #expect(c.segmentCount == 3)
        try c.delete(ids: ["d4"])
        let before = try c.search("hello world", mode: .denseExact, k: 20)
        let ids = c.documentIDs
        try c.merge()
        #expect(c.segmentCount == 1 && c.documentIDs == ids && c.count == 8)
        let after = try c.search("hello world", mode: .denseExact, k: 20)
        // Same documents with the same scores (documents with near-equal scores may swap: merged, they are encoded in
        // other batches, so their last bits differ).
        let scores = Dictionary(uniqueKeysWithValues: before.map { ($0.id, $0.score) })
        #expect(Set(after.map(\.id)) == Set(scores.keys))
        for hit in after { #expect(abs(hit.score - (scores[hit.id] ?? -9)) < 1e-5, "\(hit.id)") }
        #expect(zip(after, after.dropFirst()).allSatisfy { $0.score >= $1.score })
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path + "/segments") == ["seg-000004"])
        // Above the threshold (3) a write merges by itself: 2, 3, then 4 segments, merged into 1.
        try c.add(documents(10..<11))
        try c.add(documents(11..<12))
        #expect(c.segmentCount == 3)
        try c.add(documents(12..<13))
        c.waitForMerges()  // an automatic merge runs on a thread of its own
        #expect(c.segmentCount == 1 && c.count == 11 && c.lastAutomaticMergeFailure == nil)
    }

    /// Writes go on while a merge builds its segment (without the write lock); documents deleted or replaced meanwhile
    /// become tombstones of the merged segment, and documents added meanwhile stay in their own segment.
    @Test func writesDuringAMergeAreKept() throws {
        let scratch = Scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch.root) }
        var options = CollectionOptions()
        options.mergeThreshold = 0
        var ids: Set<String> = []
        do {
            let c = try scratch.create([.dense, .tokens, .bm25], options: options)
            for i in 0..<3 { try c.add(documents((i * 3)..<(i * 3 + 3))) }
            let ran = LockedValue(false)
            c.beforeMergeBuild = { [unowned c] in
                ran.set(true)
                do {
                    try c.delete(ids: ["d1", "d7"])
                    try c.upsert([CollectionDocument(id: "d4", text: "b b b")])
                    try c.add(documents(20..<22))
                } catch {
                    Issue.record("a write during the merge failed: \(error)")
                }
            }
            try c.merge()
            c.beforeMergeBuild = nil
            #expect(ran.value)
            // The merged segment (with tombstones for d1, d7 and the old d4), the upsert's segment and the add's.
            #expect(c.segmentCount == 3 && c.count == 9, "\(c.segmentCount) \(c.count)")
            #expect(c.document(id: "d1") == nil && c.document(id: "d7") == nil && c.document(id: "d4")?.text == "b b b")
            #expect(c.document(id: "d20") != nil && c.document(id: "d8") != nil)
            for mode in c.modes {
                let hits = try c.search("b", mode: mode, k: 30)
                #expect(Set(hits.map(\.id)).count == hits.count && !hits.contains { ["d1", "d7"].contains($0.id) }, "\(mode)")
                #expect(hits.filter { $0.id == "d4" }.count <= 1, "\(mode)")
            }
            ids = Set(c.documentIDs)
            #expect(ids.count == 9)
        }
        // The same after reopening (the merged segment's tombstones are in the state on disk).
        let reopened = try DocumentCollection(path: scratch.path, options: options)
        #expect(Set(reopened.documentIDs) == ids && reopened.document(id: "d4")?.text == "b b b")
    }

    @Test func automaticMergesLeaveALargeOldSegmentAlone() throws {
        let scratch = Scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch.root) }
        var options = CollectionOptions()
        options.mergeThreshold = 3
        let c = try scratch.create([.dense, .tokens, .bm25], options: options)
        try c.add(documents(0..<20))
        try c.delete(ids: ["d3"])
        for i in 20..<23 { try c.add(documents(i..<(i + 1))) }
        c.waitForMerges()
        // 19 live + 1 + 1 + 1: the three small ones are merged among themselves, the old one keeps its tombstone.
        #expect(c.segmentCount == 2 && c.count == 22)
        let files = try FileManager.default.contentsOfDirectory(atPath: scratch.path + "/segments").sorted()
        #expect(files == ["seg-000001", "seg-000005"], "\(files)")
        #expect(c.document(id: "d3") == nil && c.document(id: "d21")?.text == documents(21..<22)[0].text)
        for mode in [SearchMode.xtr, .denseExact, .bm25] {
            let hits = try c.search(documents(21..<22)[0].text, mode: mode, k: 30)
            #expect(Set(hits.map(\.id)).count == hits.count && !hits.contains { $0.id == "d3" } && hits.contains { $0.id == "d21" }, "\(mode)")
        }
    }

    @Test func searchesNeverSeeHalfABatch() async throws {
        let scratch = Scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch.root) }
        var options = CollectionOptions()
        options.threads = 1
        let c = try scratch.create([.dense, .bm25], options: options)
        let batches = 8, size = 3
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for b in 0..<batches { try c.add(documents((b * size)..<(b * size + size))) }
            }
            group.addTask {
                var seen = 0
                while seen < batches * size {
                    let hits = try c.search("hello world b", mode: .denseExact, k: 100)
                    #expect(hits.count % size == 0, "a search saw \(hits.count) documents")
                    #expect(c.count % size == 0)
                    seen = hits.count
                    await Task.yield()
                }
            }
            try await group.waitForAll()
        }
    }
}
