import Foundation
import Testing
import TesseraIO
import TesseraKernels
import TesseraTestSupport

/// The fuzz targets (Fuzz/Sources/tessera-fuzz) without libFuzzer: the saved seed corpora, every prefix of each seed
/// and a few thousand random mutations of them run through each target, which aborts on a crash or a violated
/// property. Scripts/fuzz.sh runs the same targets under libFuzzer and AddressSanitizer.
@Suite struct FuzzReplayTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/Corpus").path

    static var binary: String {
        URL(fileURLWithPath: CLI.binary).deletingLastPathComponent().appendingPathComponent("tessera-fuzz").path
    }

    @Test(arguments: ["json", "tokenizer", "safetensors", "manifest", "request"])
    func seedsPrefixesAndMutationsRun(target: String) throws {
        let seeds = Self.corpus + "/" + target
        let files = try FileManager.default.contentsOfDirectory(atPath: seeds).sorted()
        #expect(!files.isEmpty)
        let work = TestFolder.path("tessera-fuzz-replay")
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        var rng = SplitMix64(seed: 20261202)
        var written = 0
        for file in files {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: seeds + "/" + file)))
            let step = max(1, bytes.count / 40)
            for cut in stride(from: 0, to: bytes.count, by: step) {
                try Data(bytes[..<cut]).write(to: URL(fileURLWithPath: "\(work)/prefix-\(written)"))
                written += 1
            }
            for _ in 0..<200 where !bytes.isEmpty {
                var mutated = bytes
                for _ in 0..<Int(rng.next() % 4 + 1) {
                    let at = Int(rng.next() % UInt64(mutated.count))
                    switch rng.next() % 3 {
                    case 0: mutated[at] = UInt8(truncatingIfNeeded: rng.next())
                    case 1: mutated.insert(UInt8(truncatingIfNeeded: rng.next()), at: at)
                    default: if mutated.count > 1 { mutated.remove(at: at) }
                    }
                }
                try Data(mutated).write(to: URL(fileURLWithPath: "\(work)/mutation-\(written)"))
                written += 1
            }
        }
        let run = try ChildProcess.run(Self.binary, [target, seeds, work], timeout: 900)
        let printed = String(decoding: run.stdout, as: UTF8.self)
        let failure = String(decoding: run.stderr, as: UTF8.self)
        #expect(run.exit.succeeded, "\(target): \(run.exit) \(failure)")
        #expect(printed.contains("\(target): \(files.count + written) inputs ran"), "\(printed)")
    }
}
