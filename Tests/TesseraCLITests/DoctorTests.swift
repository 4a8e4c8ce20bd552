import Foundation
import Testing
import TesseraIO

/// `tessera doctor` names the kernel level and honours the TESSERA_CPU cap; a bad cap is one clear error.
@Suite struct DoctorTests {
    func report(_ environment: [String: String]) throws -> JSONObject {
        let r = try CLI.run(["doctor", "--json"], environment: environment)
        #expect(r.status == 0, "\(r.stderr)")
        let value = try JSONValue.parse(Array(r.stdout.utf8))
        return try #require(value.objectValue)
    }

    @Test func reportsTheLevelAndTheCap() throws {
        let free = try report([:])
        let detected = try #require(free["detected_level"]?.stringValue)
        #expect(["portable", "avx2", "avx512"].contains(detected))
        #expect(free["kernels"]?.objectValue?["gemm"]?.stringValue != nil)
        let portable = try report(["TESSERA_CPU": "portable"])
        #expect(portable["kernel_level"]?.stringValue == "portable")
        #expect(portable["detected_level"]?.stringValue == detected)
        #expect(portable["tessera_cpu"]?.stringValue == "portable")
        #expect(portable["stage1_screening"]?.stringValue == "none")
        // A cap above what the CPU has changes nothing.
        let above = try report(["TESSERA_CPU": "avx512"])
        #expect(above["kernel_level"]?.stringValue == detected)
    }

    @Test func unknownCapIsOneClearLine() throws {
        let r = try CLI.run(["doctor"], environment: ["TESSERA_CPU": "sse9"])
        #expect(r.status == 1)
        #expect(r.stderr == "tessera: error: TESSERA_CPU=sse9 is not one of portable, avx2, avx512\n")
        #expect(r.stdout.isEmpty)
    }
}
