import TesseraIO

/// One write of a collection as the write-ahead log stores it (a JSON object).
struct LogRecord: Sendable, Equatable {
    enum Operation: Sendable, Equatable {
        /// Documents added; with `replace`, documents with the same ids are deleted first (upsert).
        case add([CollectionDocument], replace: Bool)
        /// Documents deleted by id (ids that are not there are ignored).
        case delete([String])
    }

    /// Increasing sequence number.
    var sequence: UInt64
    var operation: Operation

    func encoded() -> [UInt8] {
        var entries: [(key: String, value: JSONValue)] = [("sequence", .string(String(sequence)))]
        switch operation {
        case .add(let documents, let replace):
            entries.append(("op", .string(replace ? "upsert" : "add")))
            entries.append(("documents", .array(documents.map { d in
                .object(JSONObject([("id", .string(d.id)), ("title", d.title.map(JSONValue.string) ?? .null), ("text", .string(d.text))]))
            })))
        case .delete(let ids):
            entries.append(("op", .string("delete")))
            entries.append(("ids", .array(ids.map(JSONValue.string))))
        }
        return JSONWriter.encode(.object(JSONObject(entries)))
    }

    static func decode(_ bytes: [UInt8], path: String) throws(CollectionError) -> LogRecord {
        func bad(_ why: String) -> CollectionError { CollectionError(.corrupted, "\(path): a record \(why)") }
        guard let object = (try? JSONValue.parse(bytes))?.objectValue else { throw bad("is not a JSON object") }
        guard let s = object["sequence"]?.stringValue, let sequence = UInt64(s) else { throw bad("has no sequence") }
        switch object["op"]?.stringValue {
        case "add", "upsert":
            guard let list = object["documents"]?.arrayValue else { throw bad("has no documents") }
            var documents: [CollectionDocument] = []
            for item in list {
                guard let d = item.objectValue, let id = d["id"]?.stringValue, let text = d["text"]?.stringValue else { throw bad("has a bad document") }
                documents.append(CollectionDocument(id: id, title: d["title"]?.stringValue, text: text))
            }
            return LogRecord(sequence: sequence, operation: .add(documents, replace: object["op"]?.stringValue == "upsert"))
        case "delete":
            guard let ids = object["ids"]?.arrayValue?.compactMap(\.stringValue) else { throw bad("has no ids") }
            return LogRecord(sequence: sequence, operation: .delete(ids))
        default:
            throw bad("has an unknown op")
        }
    }
}
