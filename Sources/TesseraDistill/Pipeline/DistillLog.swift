#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import TesseraIO

/// The record of a run in progress, `<out>.partial`: a header line with the run's settings, then one line per
/// processed sample in sample order (a training line, or `{"sample", "seed_id", "dropped", "answer"}`), each
/// fsync'd before the next sample is written. `--resume` continues after the last complete line (a torn last line
/// is cut off); the finished run writes the kept lines to `<out>` (the dropped ones to `<out>.dropped.jsonl`) atomically
/// and removes the log.
final class DistillLog {
    let path: String
    private let handle: FileHandle
    /// The sample lines already in the log.
    private(set) var lines: [JSONValue] = []

    /// Opens the log: a new one with `header` (refusing to replace an existing log unless `resume`), or the existing
    /// one when `resume` and its header matches.
    init(path: String, header: JSONValue, resume: Bool) throws(DistillError) {
        self.path = path
        let fm = FileManager.default
        if fm.fileExists(atPath: path) {
            guard resume else {
                throw DistillError(.invalidArgument, "\(path) holds an unfinished run: pass --resume to continue it, or delete it")
            }
            guard let data = fm.contents(atPath: path) else { throw DistillError(.io, "cannot read \(path)") }
            var valid = 0
            var parsed: [JSONValue] = []
            var start = data.startIndex
            while let newline = data[start...].firstIndex(of: 0x0A) {
                guard let value = try? JSONValue.parse(Data(data[start..<newline])) else { break }
                parsed.append(value)
                start = newline + 1
                valid = start - data.startIndex
            }
            guard let first = parsed.first else {
                throw DistillError(.invalidArgument, "\(path) has no header line: delete it to start again")
            }
            guard first["distill"] == header["distill"] else {
                throw DistillError(.invalidArgument, "\(path) was started with other settings (corpus, model, prompts, sample, seed, neighbours or selection): delete it or rerun with the same settings")
            }
            lines = Array(parsed.dropFirst())
            guard let h = FileHandle(forUpdatingAtPath: path) else { throw DistillError(.io, "cannot open \(path) for writing") }
            handle = h
            do {
                try handle.truncate(atOffset: UInt64(valid))
                try handle.seekToEnd()
            } catch {
                throw DistillError(.io, "cannot cut the torn end of \(path): \(error.localizedDescription)")
            }
        } else {
            guard fm.createFile(atPath: path, contents: nil), let h = FileHandle(forUpdatingAtPath: path) else {
                throw DistillError(.io, "cannot create \(path)")
            }
            handle = h
            try append(header, isHeader: true)
        }
    }

    deinit { try? handle.close() }

    /// Appends one line and syncs it.
    func append(_ value: JSONValue, isHeader: Bool = false) throws(DistillError) {
        do {
            try handle.write(contentsOf: Data(JSONWriter.encode(value) + [0x0A]))
            try handle.synchronize()
        } catch {
            throw DistillError(.io, "cannot write \(path): \(error.localizedDescription)")
        }
        if !isHeader { lines.append(value) }
    }

    /// Writes the kept lines to `destination` and the dropped ones (with what the LLM wrote) to
    /// `destination.dropped.jsonl`, each atomically, then removes the log.
    func finish(into destination: String) throws(DistillError) {
        for (path, keep) in [(destination + ".dropped.jsonl", true), (destination, false)] {
            do {
                let out = try AtomicFile(destination: path)
                for line in lines where (line["dropped"] != nil) == keep {
                    try out.write(JSONWriter.encode(line) + [0x0A])
                }
                try out.commit()
            } catch {
                throw DistillError(.io, "cannot write \(path): \(error.message)")
            }
        }
        try? handle.close()
        unlink(path)
    }
}
