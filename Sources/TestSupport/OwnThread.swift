import Foundation

/// Runs CPU-heavy test work (judging hundreds of bundles) on a thread of its own and awaits it,
/// so Swift's cooperative pool, only as wide as the machine has cores, stays free for the tests
/// that run beside it and time what they do.
public enum OwnThread {
  public static func run<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws
    -> Value
  {
    try await withCheckedThrowingContinuation { continuation in
      Thread { continuation.resume(with: Result { try work() }) }.start()
    }
  }
}
