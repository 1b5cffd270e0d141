import Foundation

/// Runs blocking work (reading config files, DNS lookups) on a thread of its own, so it never
/// holds one of the few threads of Swift's cooperative pool.
enum OffPool {
  static func run<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Error>) in
      Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
    }
  }

  static func run<Value: Sendable>(_ work: @escaping @Sendable () -> Value) async -> Value {
    await withCheckedContinuation { (continuation: CheckedContinuation<Value, Never>) in
      Thread.detachNewThread { continuation.resume(returning: work()) }
    }
  }
}
