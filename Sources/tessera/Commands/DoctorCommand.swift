import ArgumentParser
import Foundation
import TesseraIndex
import TesseraIO
import TesseraKernels

/// `tessera doctor`: what this machine gives Tessera (CPU features, the kernel level chosen, BLAS) so that a
/// benchmark or a bug report can say which code paths ran.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Print the CPU features found, the kernel level chosen (capped by TESSERA_CPU) and the kernel each hot loop runs.",
        discussion: """
        TESSERA_CPU=portable|avx2|avx512 caps the dispatch level for the whole process (for testing a path on a \
        machine that also has a faster one); a level the CPU lacks is never used.
        """
    )

    @Flag(name: .long, help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        let info = KernelDispatch.current
        if json {
            var entries: [(key: String, value: JSONValue)] = [
                ("cpu", KernelDispatch.cpuModel.map { .string($0) } ?? .null),
                ("cores", .number(Double(Parallel.availableCores))),
                ("features", .array(info.features.map { .string($0) })),
                ("kernel_level", .string(info.active.name)),
                ("detected_level", .string(info.detected.name)),
                ("tessera_cpu", info.requested.map { .string($0) } ?? .null),
                ("stage1_screening", .string("\(CentroidScreening.best)")),
            ]
            entries.append(("kernels", .object(JSONObject(info.kernels.map { ($0.area, JSONValue.string($0.kernel)) }))))
            var out = JSONWriter.encode(.object(JSONObject(entries)))
            out.append(0x0A)
            FileHandle.standardOutput.write(Data(out))
            return
        }
        print("cpu: \(KernelDispatch.cpuModel ?? "unknown"), \(Parallel.availableCores) cores")
        print("features: \(info.features.joined(separator: " "))")
        let cap = info.requested.map { "TESSERA_CPU=\($0)" } ?? "TESSERA_CPU unset"
        print("kernel level: \(info.active.name) (detected \(info.detected.name); \(cap))")
        for (area, kernel) in info.kernels { print("  \(area): \(kernel)") }
    }
}
