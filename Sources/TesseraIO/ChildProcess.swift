#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A program run as a child process: started with `posix_spawn`, waited for with `waitpid`, optionally within a
/// deadline after which it is killed.
///
/// Foundation's `Process.waitUntilExit()` polls a run loop for an exit notice that Foundation's own manager thread
/// delivers; called off the main thread while many children come and go, it can wait forever for a child that has
/// long exited. This type owns the whole life cycle instead: the pipes it creates are close-on-exec in this process
/// (so another child never holds one open), captured output is read on threads of its own (so a full pipe never
/// blocks the child), and a child still running when its `ChildProcess` is released is killed and reaped.
public final class ChildProcess: @unchecked Sendable {
    /// Where one of the child's standard streams goes.
    public enum Stream: Sendable {
        /// `/dev/null`.
        case null
        /// This process's own stream.
        case inherit
        /// Collected in memory; read with ``output`` / ``errors`` once the child has ended.
        case capture
        /// A pipe whose other end the caller reads: ``standardOutput`` / ``standardError``.
        case pipe
        /// Appended to a file (created if missing).
        case file(String)
    }

    /// How a child ended.
    public struct Exit: Sendable, Equatable, CustomStringConvertible {
        /// The exit code, or the signal's number when ``signalled``.
        public var status: Int32
        /// Whether a signal ended it.
        public var signalled: Bool
        /// Whether it exited with code 0.
        public var succeeded: Bool { !signalled && status == 0 }
        /// An exit code, or a signal's number.
        public init(status: Int32, signalled: Bool) {
            self.status = status
            self.signalled = signalled
        }
        /// The shell's convention: the exit code, or 128 + the signal's number.
        public var shellStatus: Int32 { signalled ? 128 + status : status }
        /// "exit N" or "killed by signal N".
        public var description: String { signalled ? "killed by signal \(status)" : "exit \(status)" }
    }

    /// What ``run(_:_:environment:stdin:timeout:)`` returns.
    public struct Result: Sendable {
        /// How the child ended.
        public var exit: Exit
        /// Whether it was killed for running past the deadline.
        public var timedOut: Bool
        /// Everything it wrote to its standard output.
        public var stdout: Data
        /// Everything it wrote to its standard error.
        public var stderr: Data
    }

    /// The child's process id.
    public let pid: pid_t
    /// The read end of the child's standard output when it is ``Stream/pipe``.
    public let standardOutput: FileHandle?
    /// The read end of the child's standard error when it is ``Stream/pipe``.
    public let standardError: FileHandle?

    private let lock = NSLock()
    private var ended: Exit?
    private var captured: [Int32: Data] = [:]
    private let readers = DispatchGroup()
    /// Held from the creation of a child's pipes until it is spawned.
    private static let spawning = NSLock()

    /// Starts `executable` (a path, not looked up in `PATH`) with `arguments`; `environment` replaces this process's
    /// environment when given. `stdin` is written to the child's standard input (then closed); without it the child
    /// reads `/dev/null`.
    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, stdin: Data? = nil,
                stdout: Stream = .null, stderr: Stream = .null) throws {
        guard access(executable, X_OK) == 0 else {
            throw IOError(.missingFile, "cannot run \(executable): no such executable file")
        }
        Self.spawning.lock()
        defer { Self.spawning.unlock() }
        var actions = FileActions()
        defer { actions.destroy() }
        var parentEnds: [Int32] = []      // read or write ends this process keeps
        var childEnds: [Int32] = []       // ends the child gets, closed here once it is spawned
        defer { for fd in childEnds { close(fd) } }
        var inputWriter: Int32 = -1, outputReader: Int32 = -1, errorReader: Int32 = -1
        do {
            if stdin != nil {
                let (read, write) = try Self.makePipe()
                childEnds.append(read)
                parentEnds.append(write)
                inputWriter = write
                actions.dup(read, to: 0)
            } else {
                actions.open(0, "/dev/null", O_RDONLY)
            }
            for (target, stream) in [(Int32(1), stdout), (Int32(2), stderr)] {
                switch stream {
                case .null: actions.open(target, "/dev/null", O_WRONLY)
                case .inherit: break
                case .file(let path): actions.open(target, path, O_WRONLY | O_CREAT | O_APPEND)
                case .capture, .pipe:
                    let (read, write) = try Self.makePipe()
                    childEnds.append(write)
                    parentEnds.append(read)
                    if target == 1 { outputReader = read } else { errorReader = read }
                    actions.dup(write, to: target)
                }
            }
        } catch {
            for fd in parentEnds { close(fd) }
            throw error
        }
        // The child gets its three streams and nothing else: a descriptor this process opened without close-on-exec
        // (a collection's flock, say) would otherwise stay open, and locked, for as long as the child lives.
        actions.closeInheritedDescriptors()

        var attributes = SpawnAttributes()
        defer { attributes.destroy() }
        let argv = ([executable] + arguments).map { strdup($0) }
        defer { for p in argv { free(p) } }
        let environmentStrings = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") }
        defer { for p in environmentStrings { free(p) } }
        var child: pid_t = 0
        let spawned = (argv + [nil]).withUnsafeBufferPointer { argvBuffer in
            (environmentStrings + [nil]).withUnsafeBufferPointer { envBuffer in
                actions.withPointer { a in
                    attributes.withPointer { s in
                        guard let argvBase = argvBuffer.baseAddress, let envBase = envBuffer.baseAddress else { return EINVAL }
                        return posix_spawn(&child, executable, a, s, argvBase, envBase)
                    }
                }
            }
        }
        guard spawned == 0 else {
            for fd in parentEnds { close(fd) }
            throw IOError(.invalidInput, "cannot run \(executable): \(String(cString: strerror(spawned)))")
        }
        pid = child
        standardOutput = stdout.isPipe ? FileHandle(fileDescriptor: outputReader, closeOnDealloc: true) : nil
        standardError = stderr.isPipe ? FileHandle(fileDescriptor: errorReader, closeOnDealloc: true) : nil

        if inputWriter >= 0, let stdin {
            let writer = inputWriter
            // Threads of their own, not libdispatch's pool: when other work fills the pool (a busy process, a test run),
            // a queued reader would start too late and `collected` would give up on output the child did write.
            Thread {
                _ = stdin.withUnsafeBytes { Self.writeAll(writer, $0) }
                close(writer)
            }.start()
        }
        for (key, fd, stream) in [(Int32(1), outputReader, stdout), (Int32(2), errorReader, stderr)] where fd >= 0 && !stream.isPipe {
            readers.enter()
            Thread { [self] in
                var buffer = [UInt8](repeating: 0, count: 1 << 16)
                while true {
                    let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                    if n > 0 {
                        lock.withLock { captured[key, default: Data()].append(contentsOf: buffer[0..<n]) }
                    } else if n < 0 && errno == EINTR {
                        continue
                    } else {
                        break
                    }
                }
                close(fd)
                readers.leave()
            }.start()
        }
    }

    deinit {
        if poll() == nil {
            _ = Foundation.kill(pid, SIGKILL)
            _ = wait()
        }
    }

    /// Whether the child has not ended yet.
    public var isRunning: Bool { poll() == nil }

    /// How it ended, once it has.
    public var exit: Exit? { poll() }

    /// Sends `signal` to the child, unless it has already ended (its process id may then belong to another process).
    public func signal(_ signal: Int32) {
        lock.withLock {
            if ended == nil { _ = Foundation.kill(pid, signal) }
        }
    }

    /// Waits until the child ends, or until `timeout` seconds have passed (then nil; the child is left running).
    @discardableResult
    public func wait(timeout: Double? = nil) -> Exit? {
        let deadline = timeout.map { Date().addingTimeInterval($0) }
        var pause: UInt32 = 1_000
        while true {
            if let exit = poll() { return exit }
            if let deadline, Date() >= deadline { return nil }
            usleep(pause)
            pause = min(pause * 2, 20_000)
        }
    }

    /// Sends SIGKILL and waits for the child to end.
    @discardableResult
    public func kill() -> Exit {
        signal(SIGKILL)
        // A SIGKILLed child always ends; nil is impossible without a deadline.
        return wait() ?? Exit(status: SIGKILL, signalled: true)
    }

    /// Everything the child wrote to its standard output (``Stream/capture``), once it has ended and closed it.
    public var output: Data { collected(1) }
    /// Everything the child wrote to its standard error (``Stream/capture``), once it has ended and closed it.
    public var errors: Data { collected(2) }

    /// Runs a program to its end and returns its output; past `timeout` seconds it is killed (`timedOut`).
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, stdin: Data? = nil,
                           timeout: Double? = nil) throws -> Result {
        let child = try ChildProcess(executable, arguments, environment: environment, stdin: stdin, stdout: .capture, stderr: .capture)
        var timedOut = false
        var exit = child.wait(timeout: timeout)
        if exit == nil {
            timedOut = true
            exit = child.kill()
        }
        return Result(exit: exit ?? Exit(status: SIGKILL, signalled: true), timedOut: timedOut, stdout: child.output, stderr: child.errors)
    }

    // MARK: - Internals

    private func collected(_ stream: Int32) -> Data {
        // The readers end when every holder of the pipe's write end has closed it: the child, and any children it
        // left running, so the wait is bounded.
        _ = readers.wait(timeout: .now() + 10)
        return lock.withLock { captured[stream] ?? Data() }
    }

    /// Reaps the child if it has ended (never blocks).
    private func poll() -> Exit? {
        lock.withLock {
            if let ended { return ended }
            var status: Int32 = 0
            while true {
                let r = waitpid(pid, &status, WNOHANG)
                if r == pid {
                    let signalNumber = status & 0x7f
                    ended = signalNumber == 0 ? Exit(status: (status >> 8) & 0xff, signalled: false)
                                              : Exit(status: signalNumber, signalled: true)
                    return ended
                }
                if r == -1 && errno == EINTR { continue }
                if r == -1 {
                    // Reaped elsewhere (ECHILD): it has ended, how is unknown.
                    ended = Exit(status: -1, signalled: false)
                    return ended
                }
                return nil
            }
        }
    }

    private static func makePipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        // pipe2(O_CLOEXEC) is not in Swift's Glibc module: the flag is set right after, and `spawning` keeps the
        // children this type starts from inheriting a pipe in between.
        let made = pipe(&fds)
        if made == 0 { for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) } }
        guard made == 0 else { throw IOError(.invalidInput, "cannot create a pipe: \(String(cString: strerror(errno)))") }
        return (fds[0], fds[1])
    }

    private static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        guard var p = bytes.baseAddress else { return true }
        var left = bytes.count
        while left > 0 {
            let n = write(fd, p, left)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            p += n
            left -= n
        }
        return true
    }
}

extension ChildProcess.Stream {
    fileprivate var isPipe: Bool {
        if case .pipe = self { return true }
        return false
    }
}

/// `posix_spawn_file_actions_t`, whose Swift type differs between Glibc (a struct) and Darwin (an optional pointer).
private struct FileActions {
    #if os(Linux)
    var raw = posix_spawn_file_actions_t()
    #else
    var raw: posix_spawn_file_actions_t? = nil
    #endif
    init() { posix_spawn_file_actions_init(&raw) }
    mutating func dup(_ fd: Int32, to target: Int32) { posix_spawn_file_actions_adddup2(&raw, fd, target) }
    mutating func open(_ target: Int32, _ path: String, _ flags: Int32) { posix_spawn_file_actions_addopen(&raw, target, path, flags, 0o644) }
    mutating func destroy() { posix_spawn_file_actions_destroy(&raw) }
    /// Closes every descriptor from 3 up in the child (after the actions before it; Darwin: `POSIX_SPAWN_CLOEXEC_DEFAULT`).
    mutating func closeInheritedDescriptors() {
        #if os(Linux)
        // glibc ≥ 2.34 has posix_spawn_file_actions_addclosefrom_np, which Swift's Glibc module does not import.
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32
        if let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
            _ = unsafeBitCast(symbol, to: CloseFrom.self)(&raw, 3)
            return
        }
        // Older glibc: close each descriptor open now that would be inherited.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? [] {
            guard let fd = Int32(name), fd > 2 else { continue }
            let flags = fcntl(fd, F_GETFD)
            if flags >= 0 && flags & FD_CLOEXEC == 0 { posix_spawn_file_actions_addclose(&raw, fd) }
        }
        #endif
    }
    mutating func withPointer<R>(_ body: (UnsafePointer<posix_spawn_file_actions_t>) -> R) -> R {
        withUnsafePointer(to: &raw) { body($0) }
    }
}

/// `posix_spawnattr_t`: the child starts with no signal blocked and SIGPIPE at its default (a Swift server ignores it,
/// and an ignored signal would be inherited across `exec`).
private struct SpawnAttributes {
    #if os(Linux)
    var raw = posix_spawnattr_t()
    #else
    var raw: posix_spawnattr_t? = nil
    #endif
    init() {
        posix_spawnattr_init(&raw)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&raw, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&raw, &defaults)
        #if os(Linux)
        posix_spawnattr_setflags(&raw, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        #else
        posix_spawnattr_setflags(&raw, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_CLOEXEC_DEFAULT))
        #endif
    }
    mutating func destroy() { posix_spawnattr_destroy(&raw) }
    mutating func withPointer<R>(_ body: (UnsafePointer<posix_spawnattr_t>) -> R) -> R {
        withUnsafePointer(to: &raw) { body($0) }
    }
}
