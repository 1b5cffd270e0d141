import Foundation

/// Runs blocking work (a subprocess to wait for, an ssh-agent round trip, a whole-file hash)
/// on a thread of its own, so that Swift's cooperative pool never waits on it.
enum BlockingWork {
  static func run<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
      Thread { continuation.resume(with: Result { try work() }) }.start()
    }
  }
}
