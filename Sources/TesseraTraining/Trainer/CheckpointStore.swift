#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import TesseraIO
import TesseraKernels
import TesseraModels

/// What a checkpoint records besides the weights.
struct CheckpointState: Codable {
    var configuration: TrainingConfiguration
    var step: Int
    var threads: Int
    var evaluationSteps: [Int] = []
    var evaluationScores: [Double] = []

    init(configuration: TrainingConfiguration, step: Int, threads: Int, evaluations: [(step: Int, score: Double)]) {
        self.configuration = configuration
        self.step = step
        self.threads = threads
        evaluationSteps = evaluations.map(\.step)
        evaluationScores = evaluations.map(\.score)
    }

    var evaluations: [(step: Int, score: Double)] { zip(evaluationSteps, evaluationScores).map { ($0, $1) } }
}

/// The checkpoints of a run inside its output folder, in the storage layer's discipline: each checkpoint is
/// written into a temporary folder (every file synced) and renamed into place as `checkpoint-<step>`, so a
/// crash or a full disk leaves the previous checkpoints intact and at most a temporary folder, which the next
/// run removes. A checkpoint is a complete model folder plus `optimizer.safetensors` (AdamW's moments) and
/// `trainer_state.json`.
struct CheckpointStore {
    let folder: String
    var layout = Layout()
    static let prefix = "checkpoint-"
    static let stateFile = "trainer_state.json"

    /// What a model folder written by the run holds besides the weights: the source's files, or (for a model that gets
    /// a new token head) a PyLate layout of its own.
    struct Layout {
        /// The module folder of a new token head, as PyLate names it.
        static let tokenHeadPath = "1_Dense"
        /// Files written after the source's (relative path, bytes), replacing any of the same name.
        var files: [(path: String, bytes: [UInt8])] = []
        /// Whether the source's module folders (1_Pooling, 2_Normalize, ...) are copied.
        var keepsSourceModules = true

        /// A multi-vector model made from a single-vector one: `modules.json` = Transformer + the token head `head`
        /// (PyLate's Dense), its `config.json`, and `config_sentence_transformers.json` with PyLate's keys (no markers,
        /// no query expansion, no skiplist, the run's token budgets), so that PyLate and Tessera load it alike.
        static func multiVector(source: String, head: TrainableDense, configuration: TrainingConfiguration) throws -> Layout {
            let modules = """
            [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"}, \
            {"idx": 1, "name": "1", "path": "\(head.path)", "type": "pylate.models.Dense.Dense"}]

            """
            var settings = JSONObject()
            let path = source + "/config_sentence_transformers.json"
            if let bytes = FileManager.default.contents(atPath: path) {
                guard let object = (try? JSONValue.parse([UInt8](bytes)))?.objectValue else {
                    throw TrainingError(.invalidModel, "\(path): not a JSON object")
                }
                settings = object
            }
            let keys = TokenMarkers.pyLateKeys(queryLength: configuration.queryMaxLength, documentLength: configuration.maxLength)
            settings.entries.removeAll { entry in keys.contains { $0.key == entry.key } }
            settings.entries += keys
            var config = JSONWriter.encode(.object(settings))
            config.append(0x0A)
            return Layout(files: [("modules.json", Array(modules.utf8)), (head.path + "/config.json", Array((head.configJSON + "\n").utf8)),
                                  ("config_sentence_transformers.json", config)],
                          keepsSourceModules: false)
        }

        /// Writes the layout's files into `destination`.
        func write(into destination: String) throws {
            for (path, bytes) in files {
                let target = destination + "/" + path
                try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent,
                                                        withIntermediateDirectories: true)
                let file = try AtomicFile(destination: target)
                try file.write(bytes)
                try file.commit()
            }
        }
    }

    /// Creates the output folder if needed and removes temporary folders left by interrupted writes.
    func prepare() throws {
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw TrainingError(.checkpoint, "cannot create output folder \(folder): \(error.localizedDescription)")
        }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where name.hasPrefix(".tmp-") {
            try? FileManager.default.removeItem(atPath: folder + "/" + name)
        }
    }

    /// The complete checkpoint with the highest step, if any.
    func latest() throws -> String? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        let steps = names.compactMap { name -> Int? in
            guard name.hasPrefix(Self.prefix), let step = Int(name.dropFirst(Self.prefix.count)),
                  FileManager.default.fileExists(atPath: folder + "/" + name + "/" + Self.stateFile) else { return nil }
            return step
        }
        return steps.max().map { folder + "/" + Self.prefix + String($0) }
    }

    /// Writes checkpoint `step` and returns its folder.
    func write(step: Int, model: TrainableBert, untouched: [(name: String, tensor: FloatTensor)], optimizer: AdamW, source: String,
               state: CheckpointState) throws -> String {
        let destination = folder + "/" + Self.prefix + String(step)
        let temporary = folder + "/.tmp-" + Self.prefix + "\(step)-\(getpid())"
        try? FileManager.default.removeItem(atPath: temporary)
        do {
            try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
            try Self.copyModelFiles(from: source, to: temporary, modules: layout.keepsSourceModules)
            try layout.write(into: temporary)
            let entries = model.parameters.filter { Self.module(of: $0.name) == nil }.map { SafeTensorsWriter.Entry(
                name: $0.name, shape: $0.shape, values: UnsafeBufferPointer(start: $0.values, count: $0.count)) }
                + untouched.map { SafeTensorsWriter.Entry(name: $0.name, shape: $0.tensor.shape,
                                                          values: UnsafeBufferPointer(start: $0.tensor.pointer, count: $0.tensor.count)) }
            try withExtendedLifetime(untouched) { try SafeTensorsWriter.write(entries, to: temporary + "/model.safetensors") }
            for head in model.modules {
                try FileManager.default.createDirectory(atPath: temporary + "/" + head.path, withIntermediateDirectories: true)
                let tensors = head.parameters.map { SafeTensorsWriter.Entry(
                    name: Self.module(of: $0.name)?.tensor ?? $0.name, shape: $0.shape,
                    values: UnsafeBufferPointer(start: $0.values, count: $0.count)) }
                try SafeTensorsWriter.write(tensors, to: temporary + "/" + head.path + "/model.safetensors")
            }
            var moments: [SafeTensorsWriter.Entry] = []
            for (i, p) in optimizer.parameters.enumerated() {
                moments.append(.init(name: p.name + ".exp_avg", matrix: optimizer.firstMoments[i]))
                moments.append(.init(name: p.name + ".exp_avg_sq", matrix: optimizer.secondMoments[i]))
            }
            try SafeTensorsWriter.write(moments, metadata: ["format": "pt", "step": String(optimizer.step)],
                                        to: temporary + "/optimizer.safetensors")
            try Self.writeJSON(state, to: temporary + "/" + Self.stateFile)
            try? FileManager.default.removeItem(atPath: destination)
            guard rename(temporary, destination) == 0 else {
                throw TrainingError(.checkpoint, "cannot rename \(temporary) to \(destination): \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            if let e = error as? TrainingError { throw e }
            throw TrainingError(.checkpoint, "cannot write checkpoint \(destination): \(error)")
        }
        return destination
    }

    /// Rewrites the state of checkpoint `step` with the evaluations so far.
    func recordEvaluations(step: Int, configuration: TrainingConfiguration, threads: Int, evaluations: [(step: Int, score: Double)]) throws {
        try Self.writeJSON(CheckpointState(configuration: configuration, step: step, threads: threads, evaluations: evaluations),
                           to: folder + "/" + Self.prefix + String(step) + "/" + Self.stateFile)
    }

    /// The recorded state of `checkpoint` (its configuration, step and evaluations).
    func state(of checkpoint: String) throws -> CheckpointState {
        do {
            return try JSONDecoder().decode(CheckpointState.self, from: Data(contentsOf: URL(fileURLWithPath: checkpoint + "/" + Self.stateFile)))
        } catch {
            throw TrainingError(.checkpoint, "\(checkpoint)/\(Self.stateFile): unreadable (\(error))")
        }
    }

    /// Restores weights and optimiser state from `checkpoint`, whose recorded state (``state(of:)``) is `state`.
    func load(_ checkpoint: String, state: CheckpointState, into model: TrainableBert, optimizer: AdamW) throws {
        let weights = try SafeTensorsFile(path: checkpoint + "/model.safetensors")
        let moments = try SafeTensorsFile(path: checkpoint + "/optimizer.safetensors")
        func copy(_ file: SafeTensorsFile, _ name: String, into target: UnsafeMutablePointer<Float>, shape: [Int]) throws {
            let t = try file.floats(name)
            guard t.shape == shape else { throw TrainingError(.checkpoint, "\(checkpoint): \(name) has shape \(t.shape), expected \(shape)") }
            target.update(from: t.pointer, count: t.count)
        }
        var moduleWeights: [String: SafeTensorsFile] = [:]
        for p in model.parameters {
            if let (path, tensor) = Self.module(of: p.name) {
                let file = try moduleWeights[path] ?? SafeTensorsFile(path: checkpoint + "/" + path + "/model.safetensors")
                moduleWeights[path] = file
                try copy(file, tensor, into: p.values, shape: p.shape)
            } else {
                try copy(weights, p.name, into: p.values, shape: p.shape)
            }
        }
        // The optimiser may update a subset of the parameters (a frozen encoder): its moments are saved under their names.
        for (i, p) in optimizer.parameters.enumerated() {
            try copy(moments, p.name + ".exp_avg", into: optimizer.firstMoments[i].pointer, shape: p.shape)
            try copy(moments, p.name + ".exp_avg_sq", into: optimizer.secondMoments[i].pointer, shape: p.shape)
        }
        guard let step = moments.metadata["step"].flatMap(Int.init), step == state.step else {
            throw TrainingError(.checkpoint, "\(checkpoint): optimizer step does not match \(Self.stateFile)")
        }
        optimizer.restore(step: step)
    }

    /// Where a parameter of a module (a `Dense` head) is stored: its module folder and its name in that folder's
    /// `model.safetensors`; nil for the encoder's parameters (the checkpoint's own `model.safetensors`).
    static func module(of name: String) -> (path: String, tensor: String)? {
        guard let slash = name.lastIndex(of: "/") else { return nil }
        return (String(name[..<slash]), String(name[name.index(after: slash)...]))
    }

    /// Makes the output folder itself the model of checkpoint `step`: its weights (the encoder's and those of the
    /// module folders in `modules`), the source's other model files and a model card.
    func publish(step: Int, source: String, modules: [String], card: String) throws {
        let checkpoint = folder + "/" + Self.prefix + String(step)
        try Self.copyModelFiles(from: source, to: folder, modules: layout.keepsSourceModules)
        try layout.write(into: folder)
        do {
            for path in [""] + modules.map({ "/" + $0 }) {
                let weights = try MappedFile(path: checkpoint + path + "/model.safetensors")
                let file = try AtomicFile(destination: folder + path + "/model.safetensors")
                try file.write(weights.bytes)
                try file.commit()
            }
            let readme = try AtomicFile(destination: folder + "/README.md")
            try readme.write(Array(card.utf8))
            try readme.commit()
        } catch {
            throw TrainingError(.checkpoint, "cannot write the model into \(folder): \(error)")
        }
    }

    /// Copies the files of a sentence-transformers folder that are not weights (configuration, tokenizer and, with
    /// `modules`, the module folders such as pooling).
    static func copyModelFiles(from source: String, to destination: String, modules: Bool = true) throws {
        let fm = FileManager.default
        let skipped: Set<String> = ["model.safetensors", "pytorch_model.bin", "README.md", "optimizer.safetensors", stateFile]
        for name in try fm.contentsOfDirectory(atPath: source) where !skipped.contains(name) && !name.hasPrefix(".") {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: source + "/" + name, isDirectory: &isDir) else { continue }
            if isDir.boolValue {
                // Module folders (1_Pooling, 2_Normalize); not checkpoints, ONNX or other exports.
                guard modules, name.first?.isNumber == true else { continue }
                try fm.createDirectory(atPath: destination + "/" + name, withIntermediateDirectories: true)
                try copyModelFiles(from: source + "/" + name, to: destination + "/" + name)
            } else if name.hasSuffix(".json") || name.hasSuffix(".txt") || name.hasSuffix(".model") {
                let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: source + "/" + name)))
                let file = try AtomicFile(destination: destination + "/" + name)
                try file.write(bytes)
                try file.commit()
            }
        }
    }

    static func writeJSON<T: Encodable>(_ value: T, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let file = try AtomicFile(destination: path)
        try file.write([UInt8](try encoder.encode(value)))
        try file.commit()
    }
}
