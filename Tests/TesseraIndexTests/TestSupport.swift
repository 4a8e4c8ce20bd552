import Foundation
import TesseraTestSupport

/// A fresh, empty folder under the test process's root (`TestFolder`).
func makeTemporaryFolder() -> String {
    let path = TestFolder.make("tessera-index-test")
    return path
}

/// Names in `folder` (hidden ones included), sorted.
func folderContents(_ folder: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
}
