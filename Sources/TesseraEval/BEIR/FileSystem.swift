#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether `path` exists; sets `isFolder` when it is a directory.
func fileExists(_ path: String, isFolder: inout Bool) -> Bool {
    var info = stat()
    guard stat(path, &info) == 0 else { return false }
    isFolder = (info.st_mode & S_IFMT) == S_IFDIR
    return true
}
