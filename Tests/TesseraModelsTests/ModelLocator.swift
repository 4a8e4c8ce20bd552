import Foundation
import Testing

/// Finds the all-MiniLM-L6-v2 folder for tests: `TESSERA_MODEL_DIR`, the Tessera cache, then the peers
/// environment. Tests that need it fail (not skip) when it is missing.
enum TestModel {
    static var folder: String? {
        let env = ProcessInfo.processInfo.environment
        var candidates: [String] = []
        if let dir = env["TESSERA_MODEL_DIR"], !dir.isEmpty { candidates.append(dir) }
        if let home = env["TESSERA_HOME"], !home.isEmpty { candidates.append(home + "/models/all-MiniLM-L6-v2") }
        candidates.append(NSHomeDirectory() + "/.cache/tessera/models/all-MiniLM-L6-v2")
        candidates.append(NSHomeDirectory() + "/.cache/tessera-peers/models/all-MiniLM-L6-v2")
        return candidates.first { FileManager.default.fileExists(atPath: $0 + "/model.safetensors") }
    }

    static func require() throws -> String {
        guard let folder else {
            Issue.record("all-MiniLM-L6-v2 not found: run `swift run -c release tessera models fetch all-MiniLM-L6-v2` or set TESSERA_MODEL_DIR")
            throw MissingModel()
        }
        return folder
    }

    struct MissingModel: Error {}
}
