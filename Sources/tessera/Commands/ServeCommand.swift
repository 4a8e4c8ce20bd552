import ArgumentParser
import Foundation
import Hummingbird
import Logging
import TesseraCollections
import TesseraServer

/// `tessera serve`: the HTTP API over the collections of a data folder.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve collections, search and OpenAI-compatible embeddings over HTTP (JSON).",
        discussion: "Writes are answered once durable. SIGTERM or SIGINT stops the server after in-flight requests. Prints \"listening on http://HOST:PORT\" on stderr once it accepts connections."
    )

    @Option(name: .long, help: "Folder of the collections (created if missing).")
    var dataDir: String
    @Option(name: .long, help: "Address to bind (default: loopback only).")
    var host: String = "127.0.0.1"
    @Option(name: .long, help: "Port (0: any free port).")
    var port: Int = 8080
    @Option(name: .long, help: "Largest request body, in MiB.")
    var maxBodyMb: Int = 32
    @Option(name: .long, help: "Largest k of a search.")
    var maxK: Int = 1000
    @Option(name: .long, help: "Encoder threads for writes (default: every core).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(name: .long, help: "Also serve a model folder under a name, NAME=FOLDER (repeatable).")
    var model: [String] = []
    @Option(name: .long, help: "API keys file: one \"KEY read|write|read,write\" per line; requests then need \"Authorization: Bearer KEY\".")
    var apiKeys: String?
    @Option(name: .long, help: "Request jobs (encoding, searches, writes) run at once (default: every core).")
    var maxRunning: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(name: .long, help: "Jobs that may wait for a slot; beyond them requests are answered 429.")
    var maxQueue: Int = 64
    @Option(name: .long, help: "Seconds a request may take, waiting included, before it is answered 503.")
    var timeout: Double = 30
    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical (JSON lines on stderr).")
    var logLevel: String = "info"

    func validate() throws {
        if !(0...65_535).contains(port) { throw ValidationError("--port must be between 0 and 65535") }
        if maxBodyMb < 1 || maxK < 1 || threads < 1 { throw ValidationError("--max-body-mb, --max-k and --threads must be at least 1") }
        for entry in model where !entry.contains("=") { throw ValidationError("--model takes NAME=FOLDER, not \(entry)") }
        if maxRunning < 1 || maxQueue < 0 { throw ValidationError("--max-running must be at least 1 and --max-queue at least 0") }
        if !(timeout > 0 && timeout <= 86_400) { throw ValidationError("--timeout must be between 0 and 86400 seconds") }
        if Logger.Level(rawValue: logLevel) == nil { throw ValidationError("--log-level must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))") }
    }

    func run() throws {
        var configuration = ServerConfiguration(dataDirectory: dataDir)
        configuration.host = host
        configuration.port = port
        configuration.maximumBodyBytes = maxBodyMb << 20
        configuration.maximumK = maxK
        for entry in model {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            configuration.models[parts[0]] = parts[1]
        }
        configuration.maximumRunning = maxRunning
        configuration.maximumWaiting = maxQueue
        configuration.timeout = .milliseconds(Int64((timeout * 1000).rounded()))
        configuration.apiKeys = try apiKeys.map { try APIKeys(path: $0) }
        var options = CollectionOptions()
        options.threads = threads
        let api = try TesseraAPI(configuration: configuration, options: options)
        let host = configuration.host
        let level = Logger.Level(rawValue: logLevel) ?? .info
        let logger = Logger(label: "tessera") { label in JSONLogHandler(label: label, level: level) }
        let app = api.application(logger: logger) { port in
            FileHandle.standardError.write(Data("listening on http://\(host):\(port)\n".utf8))
        }
        try runBlocking { try await app.runService() }
    }
}

/// Runs async work to completion from the synchronous command line (the main thread waits; tasks run on the pool).
func runBlocking(_ body: @escaping @Sendable () async throws -> Void) throws {
    let done = DispatchSemaphore(value: 0)
    let failure = UncheckedBox(ErrorSlot())
    Task {
        do { try await body() } catch { failure.value.error = error }
        done.signal()
    }
    done.wait()
    if let error = failure.value.error { throw error }
}

final class ErrorSlot { var error: (any Error)? }
