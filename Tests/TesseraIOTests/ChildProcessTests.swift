import Foundation
import Testing
@testable import TesseraIO
import TesseraTestSupport

/// Children started with posix_spawn: output captured in full (past a pipe's 64 KiB), stdin fed, exit codes and signals
/// told apart, a deadline that kills, many children at once from many threads.
@Suite struct ChildProcessTests {
    @Test func capturesLargeOutputOnBothStreamsAndFeedsStdin() throws {
        // 200 KB on stdout and on stderr at once: a reader that drained one stream after the other would deadlock.
        let script = "yes b | head -c 200000 >&2; yes a | head -c 200000; cat; exit 3"
        let r = try ChildProcess.run("/bin/sh", ["-c", script], stdin: Data("fed".utf8), timeout: 60)
        #expect(r.exit == ChildProcess.Exit(status: 3, signalled: false) && !r.exit.succeeded && !r.timedOut)
        #expect(r.stdout.count == 200_003 && r.stdout.suffix(3) == Data("fed".utf8))
        #expect(r.stderr.count == 200_000 && r.stderr.allSatisfy { $0 == UInt8(ascii: "b") || $0 == UInt8(ascii: "\n") })
    }

    @Test func aDeadlineKillsAndSignalsAreReported() throws {
        let started = Date()
        let r = try ChildProcess.run("/bin/sleep", ["30"], timeout: 0.3)
        #expect(r.timedOut && r.exit.signalled && r.exit.status == SIGKILL && r.exit.shellStatus == 128 + SIGKILL)
        #expect(Date().timeIntervalSince(started) < 10)

        let child = try ChildProcess("/bin/sleep", ["30"])
        #expect(child.isRunning && child.wait(timeout: 0.05) == nil)
        child.signal(SIGTERM)
        #expect(child.wait(timeout: 10) == ChildProcess.Exit(status: SIGTERM, signalled: true))
        #expect(!child.isRunning)
        child.signal(SIGKILL) // after the end: nothing is sent
    }

    @Test func environmentAndFilesAndErrors() throws {
        let folder = TestFolder.path("tessera-child")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let r = try ChildProcess.run("/bin/sh", ["-c", "printf %s \"$TESSERA_CHILD\""], environment: ["TESSERA_CHILD": "yes", "PATH": "/usr/bin:/bin"])
        #expect(String(decoding: r.stdout, as: UTF8.self) == "yes")

        let log = folder + "/log"
        let child = try ChildProcess("/bin/sh", ["-c", "echo one; echo two >&2"], stdout: .file(log), stderr: .file(log))
        #expect(child.wait(timeout: 30)?.succeeded == true)
        #expect(Set((try String(contentsOfFile: log, encoding: .utf8)).split(separator: "\n")) == ["one", "two"])

        #expect(throws: IOError.self) { try ChildProcess(folder + "/missing", []) }
    }

    @Test func manyChildrenFromManyThreadsAllEnd() throws {
        // Foundation's Process.waitUntilExit() could wait forever under this kind of load; every child here must end.
        // Plain threads, not tasks: blocking work would hold the concurrency pool that other suites need.
        let ends = LockedValue<[Bool]>([])
        let done = DispatchGroup()
        for i in 0..<8 {
            done.enter()
            Thread {
                defer { done.leave() }
                var ok = true
                for j in 0..<25 {
                    let r = try? ChildProcess.run("/bin/sh", ["-c", "echo \(i)-\(j)"], timeout: 60)
                    ok = ok && r?.exit.succeeded == true && String(decoding: r?.stdout ?? Data(), as: UTF8.self) == "\(i)-\(j)\n"
                }
                ends.append(ok)
            }.start()
        }
        #expect(done.wait(timeout: .now() + 600) == .success)
        #expect(ends.value.count == 8 && ends.value.allSatisfy { $0 })
    }

    @Test func childrenDoNotInheritThisProcesssDescriptors() throws {
        // A descriptor opened here without close-on-exec (as a collection's lock file) must not reach the child.
        let path = TestFolder.path("tessera-child-fd")
        let fd = open(path, O_RDWR | O_CREAT, 0o644)
        #expect(fd >= 3)
        defer { close(fd); unlink(path) }
        let r = try ChildProcess.run("/bin/sh", ["-c", "[ -e /proc/self/fd/\(fd) ] && echo open || echo closed"], timeout: 60)
        #expect(String(decoding: r.stdout, as: UTF8.self) == "closed\n")
    }
}
