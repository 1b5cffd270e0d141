import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Runs blocking work (a child process to wait for, an ssh-agent round trip, a config file to
/// read, a DNS lookup, a whole-file hash) on a thread of its own and awaits it, so it never
/// holds one of the few threads of Swift's cooperative pool (one per core) that every other
/// task's timeouts and polls need.
///
/// The one way labrun, its transports and its tests leave the pool.
public enum BlockingWork {
  /// How the thread competes for the CPU.
  public enum Priority: Sendable {
    /// The process's own priority.
    case normal
    /// The lowest (nice 19): CPU-heavy background work (a test judging hundreds of bundles)
    /// yields to the work beside it that times what it does.
    case lowest
  }

  public static func run<Value: Sendable>(
    priority: Priority = .normal, _ work: @escaping @Sendable () throws -> Value
  ) async throws -> Value {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Error>) in
      Thread {
        lower(to: priority)
        continuation.resume(with: Result { try work() })
      }.start()
    }
  }

  public static func run<Value: Sendable>(
    priority: Priority = .normal, _ work: @escaping @Sendable () -> Value
  ) async -> Value {
    await withCheckedContinuation { (continuation: CheckedContinuation<Value, Never>) in
      Thread {
        lower(to: priority)
        continuation.resume(returning: work())
      }.start()
    }
  }

  private static func lower(to priority: Priority) {
    guard priority == .lowest else { return }
    #if canImport(Glibc)
      // On Linux the nice value is per thread: `who` 0 is the calling thread alone.
      _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19)
    #endif
  }
}
