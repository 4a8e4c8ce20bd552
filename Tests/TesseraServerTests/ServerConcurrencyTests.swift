import Foundation
import Testing
import TesseraIO
import TesseraTestSupport

/// Several writers and readers at once over HTTP: every batch a writer adds carries one marker word in each of its
/// documents, so a BM25 search for the marker finds either none of the batch or all of it; half a batch is a failure.
extension ServerTests {
    @Test func searchesNeverSeeHalfABatchWhileWritersAdd() async throws {
        defer { try? FileManager.default.removeItem(atPath: data) }
        try await withServer({ $0.maximumBodyBytes = 1 << 20 }) { client in
            let r = client.execute(uri: "/v1/collections/c", method: .put, body: #"{"indexes": ["bm25"]}"#)
            #expect(r.status == 201, "\(r.text)")
            let writers = 3, batches = 6, batchSize = 5
            let failures = LockedValue<[String]>([])
            let done = DispatchGroup()
            for w in 0..<writers {
                done.enter()
                Thread {
                    defer { done.leave() }
                    for b in 0..<batches {
                        let marker = "m\(w)x\(b)"
                        let documents = (0..<batchSize).map { i in #"{"id": "\#(marker)-\#(i)", "text": "\#(marker) filler words \#(i)"}"# }
                        let answer = client.execute(uri: "/v1/collections/c/documents", method: .post,
                                                    body: #"{"documents": [\#(documents.joined(separator: ","))]}"#)
                        if answer.status != 200 { failures.append("write \(marker): \(answer.status) \(answer.text)") }
                    }
                }.start()
            }
            for reader in 0..<3 {
                done.enter()
                Thread {
                    defer { done.leave() }
                    for step in 0..<40 {
                        let marker = "m\((reader + step) % writers)x\(step % batches)"
                        let answer = client.execute(uri: "/v1/collections/c/search", method: .post,
                                                    body: #"{"query": "\#(marker)", "mode": "bm25", "k": 50}"#)
                        let ids = ((try? JSONValue.parse(answer.body))?.objectValue?["results"]?.arrayValue ?? [])
                            .compactMap { $0.objectValue?["id"]?.stringValue }.filter { $0.hasPrefix(marker + "-") }
                        if answer.status != 200 || (ids.count != 0 && ids.count != batchSize) {
                            failures.append("search \(marker): \(answer.status), \(ids.count) of \(batchSize)")
                        }
                    }
                }.start()
            }
            done.wait()
            #expect(failures.value.isEmpty, "\(failures.value)")
            let final = client.execute(uri: "/v1/collections/c", method: .get)
            #expect(json(final)?["documents"]?.intValue == writers * batches * batchSize)
        }
    }
}

