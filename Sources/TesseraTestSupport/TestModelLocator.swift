import Foundation

/// Finds the all-MiniLM-L6-v2 folder for tests: `TESSERA_MODEL_DIR`, `$TESSERA_HOME/models`, the Tessera cache,
/// then the peers environment. Model-backed tests fail (never skip) when it is missing.
public enum TestModelLocator {
    /// The folder, if one exists.
    public static var folder: String? {
        let env = ProcessInfo.processInfo.environment
        var candidates: [String] = []
        if let dir = env["TESSERA_MODEL_DIR"], !dir.isEmpty { candidates.append(dir) }
        if let home = env["TESSERA_HOME"], !home.isEmpty { candidates.append(home + "/models/all-MiniLM-L6-v2") }
        candidates.append(NSHomeDirectory() + "/.cache/tessera/models/all-MiniLM-L6-v2")
        candidates.append(NSHomeDirectory() + "/.cache/tessera-peers/models/all-MiniLM-L6-v2")
        return candidates.first { FileManager.default.fileExists(atPath: $0 + "/model.safetensors") }
    }

    /// The message a test records when the model is missing.
    public static let missingMessage = "all-MiniLM-L6-v2 not found: run `tessera models fetch all-MiniLM-L6-v2` or set TESSERA_MODEL_DIR"
}
