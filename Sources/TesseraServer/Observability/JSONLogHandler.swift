import Foundation
import Logging
import TesseraIO

/// A swift-log handler that writes one JSON object per line to standard error: `time` (ISO 8601, UTC), `level`,
/// `label`, `message`, then the metadata (`request_id`, `method`, `path`, `status`, `ms`, ...). Numbers stay numbers.
public struct JSONLogHandler: LogHandler {
    /// Level below which records are dropped.
    public var logLevel: Logger.Level
    /// Metadata added to every record of this logger.
    public var metadata: Logger.Metadata = [:]
    /// The logger's label.
    public let label: String
    private static let output = LockedOutput()

    /// A handler for `label` at `level`.
    public init(label: String, level: Logger.Level = .info) {
        self.label = label
        self.logLevel = level
    }

    /// Metadata of this logger by key.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes one record.
    public func log(event: LogEvent) {
        var fields: [(String, JSONValue)] = [
            ("time", .string(Date().formatted(.iso8601))), ("level", .string(event.level.rawValue)),
            ("label", .string(label)), ("message", .string(event.message.description)),
        ]
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        for key in merged.keys.sorted() {
            if let value = merged[key] { fields.append((key, Self.json(value))) }
        }
        var bytes = JSONWriter.encode(.object(JSONObject(fields)))
        bytes.append(UInt8(ascii: "\n"))
        Self.output.write(bytes)
    }

    static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let s): return .string(s)
        case .stringConvertible(let c):
            if let i = c as? Int { return .number(Double(i)) }
            if let d = c as? Double, d.isFinite { return .number(d) }
            return .string(c.description)
        case .array(let list): return .array(list.map(json))
        case .dictionary(let d): return .object(JSONObject(d.keys.sorted().compactMap { k in d[k].map { (k, json($0)) } }))
        }
    }

    /// Whole lines, one writer at a time.
    private final class LockedOutput: @unchecked Sendable {
        private let lock = NSLock()
        func write(_ bytes: [UInt8]) {
            lock.lock()
            defer { lock.unlock() }
            FileHandle.standardError.write(Data(bytes))
        }
    }
}
