import Foundation
import TesseraIO
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes to stderr.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// A command's `--json` summary: one JSON object on stdout (escaped by `JSONWriter`).
func printJSON(_ pairs: [(String, JSONValue)]) {
    print(String(decoding: JSONWriter.encode(.object(JSONObject(pairs))), as: UTF8.self))
}

/// Progress on stderr: on a terminal a one-line bar redrawn at most ten times a second; otherwise (a log file, a pipe)
/// a plain line every ``logInterval`` seconds, the first one only after that long, so that short runs print nothing.
final class ProgressBar {
    private let total: Int?
    private let enabled: Bool
    private let terminal: Bool
    private let start = Date()
    private var lastDraw: Date
    private let label: String
    /// Seconds between plain progress lines when stderr is not a terminal: `TESSERA_PROGRESS_SECONDS`, else 30.
    static let logInterval: TimeInterval = ProcessInfo.processInfo.environment["TESSERA_PROGRESS_SECONDS"]
        .flatMap(TimeInterval.init).flatMap { $0 >= 0 && $0.isFinite ? $0 : nil } ?? 30

    init(label: String, total: Int?, enabled: Bool) {
        self.label = label
        self.total = total
        self.enabled = enabled
        terminal = isatty(2) != 0
        lastDraw = terminal ? .distantPast : start
    }

    func update(done: Int, tokens: Int) {
        let elapsed = max(Date().timeIntervalSince(start), 1e-6)
        update(done: done, detail: "\(Int(Double(tokens) / elapsed)) tokens/s")
    }

    /// Redraws with `detail` after the count.
    func update(done: Int, detail: String) {
        let now = Date()
        guard enabled, now.timeIntervalSince(lastDraw) >= (terminal ? 0.1 : Self.logInterval) else { return }
        lastDraw = now
        guard terminal else {
            let count = total.map { "\(done)/\($0)" } ?? "\(done)"
            FileHandle.standardError.write(Data(String(format: "%@ %@ after %.0f s  %@\n", label, count, now.timeIntervalSince(start), detail).utf8))
            return
        }
        var line = "\(label) \(done)"
        if let total, total > 0 {
            let width = 30
            let filled = min(width, done * width / total)
            line = "\(label) [" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] \(done)/\(total)"
        }
        line += "  " + detail
        FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
    }

    func finish() {
        guard enabled, terminal else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}

/// Counts the non-blank lines of a file quickly (for the progress bar); nil for stdin or on error.
func countLines(_ path: String) -> Int? {
    guard path != "-", let handle = FileHandle(forReadingAtPath: path) else { return nil }
    defer { try? handle.close() }
    var count = 0
    var last: UInt8 = 0x0A
    while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty {
        for byte in chunk {
            if byte == 0x0A && last != 0x0A { count += 1 }
            last = byte
        }
    }
    if last != 0x0A { count += 1 }
    return count
}
