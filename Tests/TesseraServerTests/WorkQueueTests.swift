import Foundation
import Testing
@testable import TesseraServer

/// The bounded work queue: a full queue refuses at once (429), a late job is answered at its deadline (503) and a
/// waiting job past its deadline never runs, and timeouts never let more jobs run than the pool allows.
@Suite struct WorkQueueTests {
    /// A gate the test opens; jobs wait on it.
    final class Gate: @unchecked Sendable {
        let semaphore = DispatchSemaphore(value: 0)
        let lock = NSLock()
        var ran = 0, peak = 0, now = 0
        func pass() {
            lock.lock(); ran += 1; now += 1; peak = max(peak, now); lock.unlock()
            semaphore.wait()
            lock.lock(); now -= 1; lock.unlock()
        }
    }

    func status(_ error: any Error) -> Int? { (error as? APIError).map { Int($0.status.code) } }

    /// Waits until `condition` holds, in 1 ms blocking sleeps: no libdispatch timer (`Task.sleep`) is involved, as the
    /// queue's own deadlines involve none.
    func waitUntil(_ condition: () -> Bool) async {
        while !condition() {
            usleep(1000)
            await Task.yield()
        }
    }

    @Test func aFullQueueRefusesAndDeadlinesAnswer() async throws {
        let queue = WorkQueue(maximumRunning: 1, maximumWaiting: 1, timeout: .milliseconds(300))
        let gate = Gate()
        // One job runs (blocked), one waits, the third is refused at once.
        let running = Task { try await queue.run { gate.pass(); return 1 } }
        await waitUntil { queue.load.running >= 1 }
        let waiting = Task { try await queue.run { gate.pass(); return 2 } }
        await waitUntil { queue.load.waiting >= 1 }
        do {
            _ = try await queue.run { 3 }
            Issue.record("a full queue accepted a job")
        } catch { #expect(status(error) == 429) }
        // Both are answered 503 at the deadline; the waiting one never runs, the running one keeps its slot.
        for task in [running, waiting] {
            do { _ = try await task.value; Issue.record("answered before the gate opened") } catch { #expect(status(error) == 503) }
        }
        #expect(queue.load.running == 1 && queue.load.waiting == 0 && queue.load.timedOut == 2 && queue.load.refused == 1)
        gate.semaphore.signal()
        await waitUntil { queue.load.running == 0 }
        #expect(gate.ran == 1)
        // Free again: a job runs and answers its result.
        #expect(try await queue.run { 7 } == 7)
    }

    @Test func jobsNeverRunBeyondThePool() async throws {
        let queue = WorkQueue(maximumRunning: 2, maximumWaiting: 100, timeout: .seconds(60))
        let gate = Gate()
        let tasks = (0..<12).map { i in Task { try await queue.run { gate.pass(); return i } } }
        await waitUntil { gate.lock.withLock { gate.ran } >= 2 }
        for _ in 0..<12 { gate.semaphore.signal() }
        var sum = 0
        for task in tasks { sum += try await task.value }
        #expect(sum == 66 && gate.peak == 2 && gate.ran == 12)
    }

    @Test func errorsOfTheWorkAreItsAnswer() async throws {
        let queue = WorkQueue(maximumRunning: 1, maximumWaiting: 1, timeout: .seconds(60))
        await #expect(throws: APIError.self) { try await queue.run { () throws -> Int in throw APIError(.badRequest, "no") } }
    }
}
