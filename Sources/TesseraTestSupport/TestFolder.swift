import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where tests write their files: one root folder per test process, `tessera-tests-<pid>` under the system temporary
/// folder, removed when the process exits. The roots of test processes that ended without removing theirs (killed by a
/// deadline, crashed) are removed the next time a test process starts writing. Before this, every test run left ~170
/// folders (models, indexes, collections, checkpoints) in the temporary folder for good.
public enum TestFolder {
    private static let prefix = "tessera-tests-"

    /// This process's root; made, its exit handler registered and stale roots removed on first use.
    public static let root: String = {
        let temporary = NSTemporaryDirectory()
        removeStaleRoots(in: temporary)
        let path = temporary + prefix + String(getpid())
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: TestFolder.root) }
        return path
    }()

    /// A fresh path `root/name-UUIDsuffix`, not yet created (a test that needs an output path that must not exist).
    public static func path(_ name: String, suffix: String = "") -> String {
        root + "/" + name + "-" + UUID().uuidString + suffix
    }

    /// A fresh, empty folder `root/name-UUID`.
    public static func make(_ name: String) -> String {
        let folder = path(name)
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Removes `tessera-tests-<pid>` folders whose process no longer runs.
    private static func removeStaleRoots(in temporary: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: temporary) else { return }
        for name in names where name.hasPrefix(prefix) {
            guard let pid = pid_t(name.dropFirst(prefix.count)), pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                try? FileManager.default.removeItem(atPath: temporary + name)
            }
        }
    }
}
