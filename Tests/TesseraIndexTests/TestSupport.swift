import Foundation

/// A fresh, empty folder under the system temporary folder.
func makeTemporaryFolder() -> String {
    let path = NSTemporaryDirectory() + "tessera-index-test-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Names in `folder` (hidden ones included), sorted.
func folderContents(_ folder: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
}
