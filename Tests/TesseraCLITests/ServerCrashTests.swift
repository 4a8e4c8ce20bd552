import Foundation
import Testing
import TesseraCollections
import TesseraIO
import TesseraTestSupport

/// A real `tessera serve` process on loopback.
final class ServerProcess: @unchecked Sendable {
    let process: ChildProcess
    let port: Int

    init(dataDirectory: String, model: String) throws {
        process = try ChildProcess(CLI.binary, ["serve", "--data-dir", dataDirectory, "--port", "0", "--threads", "1", "--model", "tiny=\(model)",
                                                // Only errors: the pipe is read until the server listens, then no more.
                                                "--log-level", "error"], stderr: .pipe)
        // The server prints "listening on http://127.0.0.1:PORT" once it accepts connections.
        var seen = ""
        let deadline = Date().addingTimeInterval(60)
        while !seen.contains("listening on http://"), Date() < deadline, process.isRunning, let errors = process.standardError {
            seen += String(decoding: errors.availableData, as: UTF8.self)
        }
        guard let line = seen.split(separator: "\n").first(where: { $0.hasPrefix("listening on http://") }),
              let port = line.split(separator: ":").last.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) else {
            process.kill()
            throw IOError(.invalidInput, "the server did not start: \(seen)")
        }
        self.port = port
    }

    /// Sends one request; nil when the connection fails (a killed server).
    func request(_ method: String, _ path: String, _ body: String? = nil) -> (status: Int, body: String)? {
        HTTPTestClient.send(method, port: port, path, body).map { ($0.status, $0.text) }
    }

    func kill() {
        process.kill()
    }
}

@Suite(.serialized) struct ServerCrashTests {
    /// Writes are driven at a real server, which is SIGKILLed at random moments (20 times, restarted each time): every
    /// write answered 200 is present afterwards, no batch is there by half, every checksum verifies.
    @Test func killedServersLoseNoAcknowledgedWrite() throws {
        let data = CLI.folder()
        let model = TinyModel.make()
        do {
            let server = try ServerProcess(dataDirectory: data, model: model)
            let created = server.request("PUT", "/v1/collections/c", #"{"model": "tiny", "indexes": ["dense", "tokens", "bm25"]}"#)
            #expect(created?.status == 201, "\(String(describing: created))")
            server.kill()
        }
        var acknowledged = Set<String>()
        var rng = SystemRandomNumberGenerator()
        for round in 0..<20 {
            let server = try ServerProcess(dataDirectory: data, model: model)
            let delay = UInt32.random(in: 50_000...500_000, using: &rng)
            let killer = Thread { usleep(delay); server.kill() }
            killer.start()
            var sent: [[String]] = []
            for batch in 0..<200 {
                let ids = ["r\(round)-\(batch)-a", "r\(round)-\(batch)-b"]
                let body = #"{"documents": [{"id": "\#(ids[0])", "text": "hello world b"}, {"id": "\#(ids[1])", "text": "a world"}]}"#
                sent.append(ids)
                guard let answer = server.request("POST", "/v1/collections/c/documents", body) else { break }
                #expect(answer.status == 200, "\(answer)")
                if answer.status == 200 { acknowledged.formUnion(ids) }
            }
            while server.process.isRunning { usleep(10_000) }
            let c = try DocumentCollection(path: data + "/c")
            let present = Set(c.documentIDs)
            #expect(acknowledged.isSubset(of: present), "round \(round): \(acknowledged.subtracting(present).sorted().prefix(4)) lost")
            for ids in sent { #expect(present.contains(ids[0]) == present.contains(ids[1]), "round \(round): half of batch \(ids)") }
            acknowledged.formUnion(present)
        }
        #expect(acknowledged.count >= 20, "only \(acknowledged.count) documents were acknowledged in 20 rounds")
        // A clean restart serves what survived.
        let server = try ServerProcess(dataDirectory: data, model: model)
        let info = server.request("GET", "/v1/collections/c")
        let documents = (try? JSONValue.parse(Array((info?.body ?? "").utf8)))?.objectValue?["documents"]?.intValue
        #expect(documents == acknowledged.count)
        server.process.signal(SIGTERM)
        let exit = server.process.wait(timeout: 120)
        #expect(exit?.succeeded == true, "SIGTERM ends the server cleanly: \(String(describing: exit))")
    }
}
