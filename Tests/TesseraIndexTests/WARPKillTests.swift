import Foundation
import Testing
import TesseraIO
@testable import TesseraIndex

/// The `tessera-bench` executable built next to the test bundle (nil if this build did not make it).
private var benchBinary: String? {
    let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let candidates = [here.appendingPathComponent("tessera-bench").path,
                      here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                          .appendingPathComponent("tessera-bench").path]
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
}

@Suite struct WARPKillTests {
    /// Kills a real build process (SIGKILL) at several moments — while spilling, training, encoding, writing — and
    /// checks after each that the index at the destination still opens with every checksum valid.
    @Test(.enabled(if: benchBinary != nil, "tessera-bench is not built next to the tests"))
    func aBuildKilledAtAnyMomentLeavesThePreviousIndexUsable() throws {
        let root = makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let destination = root + "/warp"
        var parameters = WARPBuildParameters()
        parameters.centroids = 8
        try buildSmallWARPIndex(path: destination, documents: 30, dimension: 16, parameters: parameters)
        let before = try WARPIndex(path: destination)
        #expect(before.documentCount == 30)
        var sawNew = false
        for delay in [0.05, 0.25, 0.6, 1.0, 1.6, 2.4, 3.5, 5.0] {
            let process = try ChildProcess(benchBinary!, ["scale", "--tokens", "150000", "--dim", "64", "--out", destination, "--no-search",
                                                          "--threads", "1", "--centroids", "512", "--seed", "\(Int(delay * 100))"])
            Thread.sleep(forTimeInterval: delay)
            process.kill()
            // Whatever moment the kill hit, the destination holds a complete index: the old one or a new one.
            let index = try WARPIndex(path: destination, verifyChecksums: true)
            #expect(index.documentCount == 30 || index.documentCount == 1500)
            if index.documentCount == 1500 { sawNew = true }
        }
        // A later writer cleans up what killed builds left behind (hidden temporary folders with their spill files).
        try buildSmallWARPIndex(path: destination, documents: 12, dimension: 16, parameters: parameters)
        #expect(try WARPIndex(path: destination).documentCount == 12)
        #expect(folderContents(root) == ["warp"])
        _ = sawNew
    }
}
