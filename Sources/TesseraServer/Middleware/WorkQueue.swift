import Foundation
import Hummingbird

/// The blocking work of requests (encoding, searches, durable writes), run on a bounded pool: at most
/// ``maximumRunning`` jobs at once and ``maximumWaiting`` more in a FIFO queue. A job that finds the queue full is
/// refused at once (429, `Retry-After`) instead of growing memory; a job not finished by its request's deadline is
/// answered 503 (the work itself, which cannot be interrupted, still finishes and keeps its slot until then, so
/// timeouts never let more than ``maximumRunning`` jobs run).
final class WorkQueue: @unchecked Sendable {
    /// Jobs run at once.
    let maximumRunning: Int
    /// Jobs that may wait for a slot.
    let maximumWaiting: Int
    /// Time a request's work may take, queueing included.
    let timeout: Duration

    // Jobs run on threads of their own, not on libdispatch's pool: an encoding job spreads over that pool
    // (`Parallel.forEach`), and a search queued behind it there would wait for the whole encoding instead of
    // sharing the cores.
    private let lock = NSCondition()
    private var waiting: [any QueuedJob] = []
    private var running = 0
    private var threads = 0
    private var idle = 0
    // Deadlines are kept by a thread of the queue's own too, not by libdispatch timers: once, in a full test run on 2
    // busy cores, a 300 ms `DispatchQueue.asyncAfter` deadline never fired (the process idle, libdispatch's manager
    // thread waiting in epoll with no timer armed, the request never answered).
    private let deadlineLock = NSCondition()
    private var deadlines: [(at: Date, job: any QueuedJob)] = []   // by deadline; entries before `deadlineHead` are done
    private var deadlineHead = 0
    private var deadlineThread = false
    private var refused = 0
    private var timedOut = 0

    init(maximumRunning: Int, maximumWaiting: Int, timeout: Duration) {
        self.maximumRunning = max(1, maximumRunning)
        self.maximumWaiting = max(0, maximumWaiting)
        self.timeout = timeout
    }

    /// Jobs running and waiting now, and the counts of refused and timed-out jobs so far (for `/metrics`).
    var load: (running: Int, waiting: Int, refused: Int, timedOut: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (running, waiting.count, refused, timedOut)
    }

    /// Runs `body` on the pool and answers its result, or throws the 429 / 503 ``APIError`` of a full queue or a
    /// passed deadline.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            submit(Job(work: body, continuation: continuation))
        }
    }

    private func submit(_ job: any QueuedJob) {
        lock.lock()
        // Free slots take jobs at once; beyond them `maximumWaiting` may wait.
        guard waiting.count < maximumWaiting + max(0, maximumRunning - running) else {
            refused += 1
            lock.unlock()
            job.fail(APIError.busy(running: maximumRunning, waiting: maximumWaiting)) {}
            return
        }
        waiting.append(job)
        if idle > 0 {
            lock.signal()
        } else if threads < maximumRunning {
            threads += 1
            let thread = Thread { [self] in work() }
            thread.name = "tessera-work"
            thread.start()
        }
        lock.unlock()
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) * 1e-18
        schedule(job, at: Date().addingTimeInterval(seconds))
    }

    /// Keeps `job`'s deadline: ``expire(_:)`` runs on the deadline thread once `at` has passed.
    private func schedule(_ job: any QueuedJob, at: Date) {
        deadlineLock.lock()
        // Every job has the same timeout, so a new deadline almost always goes last: search from the back.
        var index = deadlines.count
        while index > deadlineHead && deadlines[index - 1].at > at { index -= 1 }
        deadlines.insert((at, job), at: index)
        if !deadlineThread {
            deadlineThread = true
            let thread = Thread { [self] in keepDeadlines() }
            thread.name = "tessera-work-deadlines"
            thread.start()
        } else if index == deadlineHead {
            deadlineLock.signal()
        }
        deadlineLock.unlock()
    }

    /// The deadline thread: expires each job when its deadline passes (a job answered meanwhile ignores it); ends after
    /// 10 s without a deadline.
    private func keepDeadlines() {
        deadlineLock.lock()
        while true {
            guard deadlineHead < deadlines.count else {
                deadlines.removeAll(keepingCapacity: true)
                deadlineHead = 0
                if !deadlineLock.wait(until: Date().addingTimeInterval(10)) && deadlines.isEmpty {
                    deadlineThread = false
                    deadlineLock.unlock()
                    return
                }
                continue
            }
            let next = deadlines[deadlineHead]
            guard next.at <= Date() else {
                _ = deadlineLock.wait(until: next.at)
                continue
            }
            deadlineHead += 1
            if deadlineHead > 1024 && deadlineHead * 2 > deadlines.count {
                deadlines.removeFirst(deadlineHead)
                deadlineHead = 0
            }
            deadlineLock.unlock()
            expire(next.job)
            deadlineLock.lock()
        }
    }

    /// A worker thread: runs waiting jobs one after another; ends after 10 s without one.
    private func work() {
        lock.lock()
        while true {
            while waiting.isEmpty {
                idle += 1
                let woken = lock.wait(until: Date().addingTimeInterval(10))
                idle -= 1
                if !woken && waiting.isEmpty {
                    threads -= 1
                    lock.unlock()
                    return
                }
            }
            let job = waiting.removeFirst()
            running += 1
            lock.unlock()
            job.runUnlessAnswered()
            lock.lock()
            running -= 1
        }
    }

    /// The deadline of `job` passed: a waiting job leaves the queue without running; a running one is answered now
    /// and its result dropped (its thread stays busy until the work ends).
    private func expire(_ job: any QueuedJob) {
        lock.lock()
        let wasWaiting = waiting.firstIndex(where: { $0 === job }).map { waiting.remove(at: $0) } != nil
        lock.unlock()
        job.fail(APIError.timedOut(timeout, started: !wasWaiting)) { [self] in
            lock.lock()
            timedOut += 1
            lock.unlock()
        }
    }
}

/// A queued request's work, answered exactly once: by its result, or earlier by a refusal or its deadline.
private protocol QueuedJob: AnyObject, Sendable {
    /// Runs the work unless the job was already answered, and answers its result (dropped if answered meanwhile).
    func runUnlessAnswered()
    /// Answers `error` unless answered already, calling `given` first when this answer is the one given.
    func fail(_ error: any Error, given: () -> Void)
}

private final class Job<T: Sendable>: QueuedJob, @unchecked Sendable {
    private let work: @Sendable () throws -> T
    private let continuation: CheckedContinuation<T, any Error>
    private let lock = NSLock()
    private var answered = false

    init(work: @escaping @Sendable () throws -> T, continuation: CheckedContinuation<T, any Error>) {
        self.work = work
        self.continuation = continuation
    }

    func runUnlessAnswered() {
        lock.lock()
        let skip = answered
        lock.unlock()
        if !skip { answer(Result { try work() }) }
    }

    func fail(_ error: any Error, given: () -> Void) { answer(.failure(error), given: given) }

    private func answer(_ result: Result<T, any Error>, given: () -> Void = {}) {
        lock.lock()
        guard !answered else { lock.unlock(); return }
        answered = true
        lock.unlock()
        given()
        continuation.resume(with: result)
    }
}

extension APIError {
    static func busy(running: Int, waiting: Int) -> APIError {
        var e = APIError(.tooManyRequests, "the server is busy (\(running) requests running, \(waiting) waiting): retry later")
        e.headers = [.retryAfter: "1"]
        e.type = "server_busy"
        return e
    }

    static func timedOut(_ timeout: Duration, started: Bool) -> APIError {
        var e = APIError(.serviceUnavailable, started
            ? "the request took longer than \(timeout) and was answered before it finished; a write may still complete (retry it with \"upsert\": true)"
            : "the request waited longer than \(timeout) for the server and did not run")
        e.headers = [.retryAfter: "1"]
        e.type = "timeout"
        return e
    }
}
