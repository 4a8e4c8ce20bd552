import Foundation
import TesseraEval
import TesseraTestSupport

/// A fresh temporary folder for one test.
func temporaryFolder() -> String {
    let path = TestFolder.make("tessera-eval")
    return path
}

/// Writes `text` to `folder/name` (creating intermediate folders) and returns the path.
@discardableResult
func write(_ text: String, to folder: String, _ name: String) -> String {
    write(Array(text.utf8), to: folder, name)
}

/// Writes raw bytes to `folder/name` (creating intermediate folders) and returns the path.
@discardableResult
func write(_ bytes: [UInt8], to folder: String, _ name: String) -> String {
    let path = folder + "/" + name
    let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
    try? FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    return path
}

/// Runs `body` and returns the `EvalError` it throws, or nil if it does not throw one.
func evalError(_ body: () throws -> Void) -> EvalError? {
    do { try body() } catch let error as EvalError { return error } catch { return nil }
    return nil
}
