// tessera-bench: benchmark programs that need no Python (synthetic scale runs, WARP on SciFact).
import Foundation
import TesseraKernels

let arguments = Array(CommandLine.arguments.dropFirst())
let usage = """
usage: tessera-bench hnsw --index DIR --queries Q.npy [--ef 16,32,64] | --base B.npy --queries Q.npy
       tessera-bench scale --tokens N [--dim 128] [--out DIR] [--queries 100] [--bits 4] [--centroids K] [--no-search]
       tessera-bench warp-scifact --exact-index DIR --data DIR --model DIR [--out DIR] [--bits 4] [--centroids K]
                                  [--prune 1] [--rebuild] [--exact] [--sweep] [--aligner] [--n-probe 16] [--t-prime T]
                                  [--dump-queries PREFIX]
"""
do {
    // Every run records the machine and the kernel level it measured.
    let dispatch = KernelDispatch.current
    print(json([("event", "machine"), ("cpu", KernelDispatch.cpuModel ?? "unknown"), ("kernel_level", dispatch.active.name),
                ("detected_level", dispatch.detected.name), ("features", dispatch.features.joined(separator: " "))]))
    guard let command = arguments.first else { print(usage); exit(2) }
    if command == "hnsw" { runHNSWBenchmark(arguments: Array(arguments.dropFirst())); exit(0) }
    let options = try Options(Array(arguments.dropFirst()))
    switch command {
    case "scale": try ScaleBenchmark.run(options)
    case "warp-scifact": try SciFactBenchmark.run(options)
    default: print(usage); exit(2)
    }
} catch {
    FileHandle.standardError.write("tessera-bench: \(error)\n".data(using: .utf8)!)
    exit(1)
}
