import Foundation

/// The collections of one data folder, by name: what `tessera serve` keeps open. Every sub-folder that holds a
/// collection is opened at start; `create` and `delete` add and remove them. Safe to use from several threads.
public final class CollectionRegistry: @unchecked Sendable {
    /// The data folder.
    public let directory: String
    /// How collections are opened.
    public let options: CollectionOptions
    private var collections: [String: DocumentCollection] = [:]
    private let lock = NSLock()

    /// Opens every collection under `directory` (created if missing).
    public init(directory: String, options: CollectionOptions = CollectionOptions()) throws {
        self.directory = directory
        self.options = options
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw CollectionError(.io, "cannot create \(directory): \(error.localizedDescription)")
        }
        for name in try FileManager.default.contentsOfDirectory(atPath: directory).sorted() where Self.isValidName(name) {
            let path = directory + "/" + name
            guard FileManager.default.fileExists(atPath: path + "/" + CollectionConfiguration.fileName) else { continue }
            collections[name] = try DocumentCollection(path: path, options: options)
        }
    }

    /// A name is 1 to 64 ASCII letters, digits, `_`, `-` and `.`, starting with a letter or digit, without `..`.
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 64 else { return false }
        let allowed = { (c: Unicode.Scalar) in c.isASCII && (CharacterSet.alphanumerics.contains(c) || "_-.".unicodeScalars.contains(c)) }
        return first.isASCII && CharacterSet.alphanumerics.contains(first) && !name.contains("..") && name.unicodeScalars.allSatisfy(allowed)
    }

    private func checked(_ name: String) throws(CollectionError) -> String {
        guard Self.isValidName(name) else {
            throw CollectionError(.invalidInput, "invalid collection name \"\(name)\" (1-64 letters, digits, _ - ., starting with a letter or digit)")
        }
        return name
    }

    /// The names, sorted.
    public var names: [String] {
        lock.lock()
        defer { lock.unlock() }
        return collections.keys.sorted()
    }

    /// The collection called `name`.
    public func collection(_ name: String) throws -> DocumentCollection {
        lock.lock()
        defer { lock.unlock() }
        guard let c = collections[name] else { throw CollectionError(.notFound, "no collection \"\(name)\"") }
        return c
    }

    /// Creates a collection called `name`.
    public func create(_ name: String, model: String?, indexes: Set<CollectionIndex>) throws -> DocumentCollection {
        let name = try checked(name)
        lock.lock()
        defer { lock.unlock() }
        guard collections[name] == nil else { throw CollectionError(.alreadyExists, "collection \"\(name)\" exists already") }
        let c = try DocumentCollection.create(at: directory + "/" + name, model: model, indexes: indexes, options: options)
        collections[name] = c
        return c
    }

    /// Deletes the collection called `name` and its folder (searches already running finish on their snapshot).
    public func delete(_ name: String) throws {
        lock.lock()
        defer { lock.unlock() }
        guard let removed = collections.removeValue(forKey: name) else { throw CollectionError(.notFound, "no collection \"\(name)\"") }
        removed.waitForMerges()  // an automatic merge would write into the folder being removed
        let path = directory + "/" + name
        // Renamed aside first, so that the name is free at once and a crash mid-removal leaves no half collection.
        let aside = directory + "/.deleted-\(name)-\(UUID().uuidString)"
        guard rename(path, aside) == 0 else { throw CollectionError(.io, "cannot delete \(path): \(String(cString: strerror(errno)))") }
        try? FileManager.default.removeItem(atPath: aside)
    }
}
