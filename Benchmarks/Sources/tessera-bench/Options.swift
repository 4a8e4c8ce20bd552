import Foundation

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// `--key value` and `--flag` arguments.
struct Options {
    var values: [String: String] = [:]
    var flags = Set<String>()

    init(_ args: [String]) throws {
        var i = 0
        while i < args.count {
            let a = args[i]
            guard a.hasPrefix("--") else { throw BenchError("unexpected argument \(a)") }
            let key = String(a.dropFirst(2))
            if i + 1 < args.count && !args[i + 1].hasPrefix("--") {
                values[key] = args[i + 1]
                i += 2
            } else {
                flags.insert(key)
                i += 1
            }
        }
    }

    func string(_ key: String) -> String? { values[key].map { ($0 as NSString).expandingTildeInPath } }
    func require(_ key: String) throws -> String {
        guard let v = string(key) else { throw BenchError("missing --\(key)") }
        return v
    }
    func int(_ key: String) throws -> Int? {
        guard let v = values[key] else { return nil }
        guard let i = Int(v) else { throw BenchError("--\(key) needs an integer") }
        return i
    }
    func double(_ key: String) throws -> Double? {
        guard let v = values[key] else { return nil }
        guard let x = Double(v) else { throw BenchError("--\(key) needs a number") }
        return x
    }
    func ints(_ key: String) throws -> [Int]? {
        guard let v = values[key] else { return nil }
        return try v.split(separator: ",").map { s in
            guard let i = Int(s) else { throw BenchError("--\(key) needs integers") }
            return i
        }
    }
    func has(_ flag: String) -> Bool { flags.contains(flag) }
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// mean, p50, p95 of milliseconds.
func latencyStats(_ ms: [Double]) -> (mean: Double, p50: Double, p95: Double) {
    guard !ms.isEmpty else { return (0, 0, 0) }
    let s = ms.sorted()
    func pct(_ p: Double) -> Double { s[min(s.count - 1, Int((p * Double(s.count - 1)).rounded()))] }
    return (ms.reduce(0, +) / Double(ms.count), pct(0.5), pct(0.95))
}

func json(_ pairs: [(String, Any)]) -> String {
    "{" + pairs.map { key, value in
        let v: String
        switch value {
        case let s as String: v = "\"\(s)\""
        case let d as Double: v = d.isFinite ? String(format: "%.6g", d) : "null"
        case let f as Float: v = String(format: "%.6g", Double(f))
        default: v = "\(value)"
        }
        return "\"\(key)\":\(v)"
    }.joined(separator: ",") + "}"
}

func log(_ s: String) { FileHandle.standardError.write((s + "\n").data(using: .utf8)!) }

/// CPU time of the calling thread in seconds (immune to other processes on the same cores).
func threadCPU() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
