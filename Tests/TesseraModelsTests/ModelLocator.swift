import Foundation
import Testing
import TesseraTestSupport

/// The MiniLM folder for model-backed tests; they fail (not skip) when it is missing.
enum TestModel {
    static func require() throws -> String {
        guard let folder = TestModelLocator.folder else {
            Issue.record(Comment(rawValue: TestModelLocator.missingMessage))
            throw MissingModel()
        }
        return folder
    }

    struct MissingModel: Error {}
}
