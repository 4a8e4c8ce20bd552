import Foundation

#if TESSERA_LIBFUZZER
// Built with `-sanitize=fuzzer` (Scripts/fuzz.sh). SwiftPM links an executable with `main` bound to
// `tessera_fuzz_main`, so that is the entry point here, and it hands over to libFuzzer's driver;
// TESSERA_FUZZ_TARGET names the target.
@_silgen_name("LLVMFuzzerRunDriver")
private func runDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                       _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

private let target = ProcessInfo.processInfo.environment["TESSERA_FUZZ_TARGET"] ?? "json"

@_cdecl("tessera_fuzz_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    guard FuzzTargets.names.contains(target) else {
        FileHandle.standardError.write(Data("TESSERA_FUZZ_TARGET must be one of \(FuzzTargets.names.joined(separator: ", "))\n".utf8))
        return 2
    }
    var count = argc
    var arguments = argv
    return runDriver(&count, &arguments) { data, size in
        FuzzTargets.run(target, data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
        return 0
    }
}
#else
/// Without libFuzzer: `tessera-fuzz TARGET FILE|FOLDER...` runs each input once through the target (the saved
/// corpora and crash inputs, replayed by the tests), printing how many ran.
@main
enum Replay {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let target = arguments.first, FuzzTargets.names.contains(target) else {
            FileHandle.standardError.write(Data("usage: tessera-fuzz \(FuzzTargets.names.joined(separator: "|")) FILE|FOLDER...\n".utf8))
            exit(2)
        }
        var count = 0
        for path in arguments.dropFirst() {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
                FileHandle.standardError.write(Data("no such file: \(path)\n".utf8))
                exit(2)
            }
            let files = isFolder.boolValue
                ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { path + "/" + $0 }
                : [path]
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                FuzzTargets.run(target, [UInt8](data))
                count += 1
            }
        }
        print("\(target): \(count) inputs ran")
    }
}
#endif
