import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Runs CPU-heavy test work (judging hundreds of bundles) on a thread of its own, at the lowest
/// scheduling priority, and awaits it: Swift's cooperative pool, only as wide as the machine has
/// cores, stays free, and the CPU goes first to the tests beside it that time what they do.
public enum OwnThread {
  public static func run<Value: Sendable>(
    _ work: @escaping @Sendable () throws -> Value
  ) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
      Thread {
        #if canImport(Glibc)
          // On Linux the nice value is per thread: `who` 0 is this thread alone.
          _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19)
        #endif
        continuation.resume(with: Result { try work() })
      }.start()
    }
  }
}
