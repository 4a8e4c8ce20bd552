import CTesseraKernels
import Foundation

/// Which CPU variant of Tessera's kernels runs in this process, and why: what the CPU reports, and the cap that
/// the environment variable `TESSERA_CPU` (`portable`, `avx2`, `avx512`) puts on it. Read once per process.
public struct KernelDispatch: Sendable, Equatable {
    /// A dispatch level, from the slowest to the fastest.
    public enum Level: Int, Sendable, Comparable, CaseIterable {
        /// Portable C (and BLAS / Accelerate for GEMMs).
        case portable = 0
        /// AVX2 + FMA on x86; NEON (named `neon`) on ARM.
        case avx2 = 1
        /// AVX-512 (F, DQ, VL; BW and BF16 where present).
        case avx512 = 2

        /// The name `TESSERA_CPU` takes.
        public var name: String {
            switch self {
            case .portable: return "portable"
            #if arch(arm64)
            case .avx2: return "neon"
            #else
            case .avx2: return "avx2"
            #endif
            case .avx512: return "avx512"
            }
        }

        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
    }

    /// The level the kernels use.
    public let active: Level
    /// The best level the CPU supports.
    public let detected: Level
    /// The raw value of `TESSERA_CPU`, if set.
    public let requested: String?
    /// The instruction-set extensions the CPU reports (lower-case names as in /proc/cpuinfo).
    public let features: [String]

    /// The dispatch of this process.
    public static var current: KernelDispatch {
        let env = ProcessInfo.processInfo.environment["TESSERA_CPU"].flatMap { $0.isEmpty ? nil : $0 }
        return KernelDispatch(active: Level(rawValue: Int(tk_kernel_level())) ?? .portable,
                              detected: Level(rawValue: Int(tk_detected_kernel_level())) ?? .portable,
                              requested: env, features: featureNames(tk_cpu_features()))
    }

    /// Every level this machine can run (for tests that cover each path).
    public var supportedLevels: [Level] { Level.allCases.filter { $0 <= detected } }

    /// A one-line reason when `TESSERA_CPU` holds a value that is not a level name; nil otherwise.
    public var requestError: String? {
        guard let requested, tk_requested_kernel_level() == -2 else { return nil }
        #if arch(arm64)
        return "TESSERA_CPU=\(requested) is not one of portable, neon"
        #else
        return "TESSERA_CPU=\(requested) is not one of portable, avx2, avx512"
        #endif
    }

    /// The model name the OS reports for the CPU ("AMD EPYC 9R45", ...), or nil.
    public static var cpuModel: String? {
        #if os(Linux)
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            if let colon = line.firstIndex(of: ":") {
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
        #else
        return nil
        #endif
    }

    /// The kernel each hot loop runs at the active level.
    public var kernels: [(area: String, kernel: String)] {
        let bf16 = features.contains("avx512bf16") && active == .avx512
        switch active {
        case .avx512:
            return [("gemm", "packed 12x32 (avx512f)"), ("attention", "fused 8 rows x 32 keys (avx512f)"),
                    ("warp decoding", features.contains("avx512bw") ? "one permute per 16 dims (avx512bw)" : "two permutes + blend per 8 dims (avx2)"),
                    ("warp stage 1", bf16 ? "bfloat16 vdpbf16ps (avx512bf16)" : "fp32 packed gemm (avx512f)"),
                    ("warp top-n", "threshold + compress + radix sort (avx512f)"),
                    ("build assignment", bf16 ? "bfloat16 screen + fp32 rescoring" : "fp32 packed gemm + argmax"),
                    ("gelu / layernorm / softmax / gather-dot", "vectorised loops (avx512f)")]
        #if arch(arm64)
        case .avx2:
            return [("gemm", tk_gemm_packed_available() != 0 ? "packed 6x16 (neon)" : "BLAS (Accelerate)"),
                    ("attention", "fused 6 rows x 16 keys (neon)"), ("warp decoding", "table lookup per 4 dims (neon)"),
                    ("warp stage 1", "fp32 gemm"), ("warp top-n", "threshold + radix sort"),
                    ("build assignment", "fp32 gemm + argmax"),
                    ("gelu / layernorm / softmax / gather-dot", "compiler-vectorised loops (neon)")]
        #else
        case .avx2:
            return [("gemm", "packed 6x16 (avx2, fma)"), ("attention", "fused 6 rows x 16 keys (avx2, fma)"),
                    ("warp decoding", "two permutes + blend per 8 dims (avx2)"),
                    ("warp stage 1", "int16 vpmaddwd (avx2)"), ("warp top-n", "threshold + movemask + radix sort (avx2)"),
                    ("build assignment", "int16 screen + fp32 rescoring (avx2)"),
                    ("gelu / layernorm / softmax / gather-dot", "vectorised loops (avx2, fma)")]
        #endif
        case .portable:
            return [("gemm", "BLAS"), ("attention", "BLAS + portable softmax"), ("warp decoding", "portable loop"),
                    ("warp stage 1", "fp32 BLAS"), ("warp top-n", "threshold + radix sort (portable)"),
                    ("build assignment", "fp32 BLAS + argmax"), ("gelu / layernorm / softmax / gather-dot", "portable loops")]
        }
    }

    static func featureNames(_ bits: UInt32) -> [String] {
        let table: [(UInt32, String)] = [
            (UInt32(TK_FEATURE_SSE42), "sse4.2"), (UInt32(TK_FEATURE_AVX), "avx"),
            (UInt32(TK_FEATURE_AVX2), "avx2"), (UInt32(TK_FEATURE_FMA), "fma"),
            (UInt32(TK_FEATURE_F16C), "f16c"), (UInt32(TK_FEATURE_AVX512F), "avx512f"),
            (UInt32(TK_FEATURE_AVX512BW), "avx512bw"), (UInt32(TK_FEATURE_AVX512DQ), "avx512dq"),
            (UInt32(TK_FEATURE_AVX512VL), "avx512vl"), (UInt32(TK_FEATURE_AVX512BF16), "avx512bf16"),
            (UInt32(TK_FEATURE_AVX512VNNI), "avx512vnni"), (UInt32(TK_FEATURE_AVXVNNI), "avxvnni"),
            (UInt32(TK_FEATURE_SHA), "sha"), (UInt32(TK_FEATURE_NEON), "neon"),
        ]
        return table.filter { bits & $0.0 != 0 }.map(\.1)
    }
}
