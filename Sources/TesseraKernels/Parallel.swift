import Dispatch
import Foundation

/// Runs independent pieces of work on a fixed number of threads (no oversubscription: BLAS stays
/// single-threaded while these run).
public enum Parallel {
    /// The number of cores this process may use.
    public static var availableCores: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// Calls `body(worker, item)` for every item in `0..<count` on up to `threads` threads; each worker
    /// index in `0..<threads` runs on one thread at a time, so per-worker scratch space needs no lock.
    /// Items are handed out dynamically (next free worker takes the next item).
    public static func forEach(count: Int, threads: Int, _ body: @Sendable (_ worker: Int, _ item: Int) -> Void) {
        let next = Counter()
        onWorkers(count: count, threads: threads) { worker, workers in
            if workers == 1 {
                for item in 0..<count { body(0, item) }
                return
            }
            while true {
                let item = next.increment()
                if item >= count { break }
                body(worker, item)
            }
        }
    }

    /// Calls `body(worker, item)` for every item in `0..<count` on up to `threads` threads, item `i` always on worker
    /// `i % workers`, in increasing order. Use it where workers accumulate floating-point sums that are combined
    /// afterwards: which items a worker adds, and in which order, is then the same on every run, so the result is
    /// bit-identical from run to run (``forEach(count:threads:_:)`` hands items to whichever worker is free).
    public static func forEachStrided(count: Int, threads: Int, _ body: @Sendable (_ worker: Int, _ item: Int) -> Void) {
        onWorkers(count: count, threads: threads) { worker, workers in
            for item in stride(from: worker, to: count, by: workers) { body(worker, item) }
        }
    }

    /// The part both loops share: `min(threads, count)` workers (at least one), BLAS pinned to one thread, and
    /// `run(worker, workers)` once per worker, each on its own thread (inline on the calling thread for one worker).
    private static func onWorkers(count: Int, threads: Int, _ run: @Sendable (_ worker: Int, _ workers: Int) -> Void) {
        let workers = max(1, min(threads, count))
        BLAS.pinToCallingThread()
        if workers == 1 {
            run(0, 1)
            return
        }
        DispatchQueue.concurrentPerform(iterations: workers) { worker in run(worker, workers) }
    }
}

/// A lock-protected counter handing out work items.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func increment() -> Int {
        lock.lock(); defer { lock.unlock() }
        let v = value
        value += 1
        return v
    }
}

/// A pointer handed to worker threads that only read it, or write disjoint parts of it.
public struct UnsafeSendablePointer<Pointee>: @unchecked Sendable {
    /// The wrapped pointer.
    public let pointer: UnsafeMutablePointer<Pointee>
    /// Wraps a mutable pointer.
    public init(_ pointer: UnsafeMutablePointer<Pointee>) { self.pointer = pointer }
    /// Wraps a read-only pointer (the workers must not write through it).
    public init(readOnly pointer: UnsafePointer<Pointee>) { self.pointer = UnsafeMutablePointer(mutating: pointer) }
}
