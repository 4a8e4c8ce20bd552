import ArgumentParser
import Foundation
import TesseraKernels

/// The `tessera` command-line tool: thin shells over the library.
@main
struct Tessera: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tessera",
        abstract: "Neural text retrieval in Swift: tokenize, embed and search with Hugging Face encoders.",
        subcommands: [TokenizeCommand.self, EmbedCommand.self, IndexCommand.self, SearchCommand.self, EvalCommand.self, BEIRCommand.self, AdaptCommand.self, NearestCommand.self, PairsCommand.self, MineCommand.self, DistillCommand.self, TrainCommand.self, ModelsCommand.self, DoctorCommand.self, CollectionCommand.self, ServeCommand.self]
    )

    /// Runs the tool; every error becomes one line on stderr and exit status 1.
    static func main() {
        if let problem = KernelDispatch.current.requestError {
            FileHandle.standardError.write(Data("tessera: error: \(problem)\n".utf8))
            Foundation.exit(1)
        }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as CleanExit {
            exit(withError: error)
        } catch let error where isArgumentError(error) {
            exit(withError: error)
        } catch {
            FileHandle.standardError.write(Data("tessera: error: \(oneLine(error))\n".utf8))
            Foundation.exit(1)
        }
    }

    static func isArgumentError(_ error: Error) -> Bool {
        // ArgumentParser's own errors (unknown flag, missing option, validation) print usage as it likes.
        String(reflecting: type(of: error)).contains("ArgumentParser")
            || error is ValidationError
    }

    static func oneLine(_ error: Error) -> String {
        String(describing: error).split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
