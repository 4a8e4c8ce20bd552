import Foundation

/// Runs blocking test work (a server that takes a minute to start, child processes waited for) on a thread of its
/// own, so that it does not hold one of the concurrency pool's threads (two on two cores), which in-process servers and
/// every async test need.
public func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// Waits for `task` to end, at most `seconds`; whether it did. A test's server task that does not stop (a graceful
/// shutdown waiting on a connection) then fails the test instead of holding the run until CI's limit.
public func awaitEnd<S: Sendable, F: Error>(of task: Task<S, F>?, within seconds: Double) async -> Bool {
    guard let task else { return true }
    let ended = LockedValue<Bool?>(nil)
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        let finish: @Sendable (Bool) -> Void = { value in
            let first = ended.update { state -> Bool in
                guard state == nil else { return false }
                state = value
                return true
            }
            if first { continuation.resume() }
        }
        Task { _ = await task.result; finish(true) }
        Task { try? await Task.sleep(nanoseconds: UInt64(seconds * 1e9)); finish(false) }
    }
    return ended.value ?? false
}
