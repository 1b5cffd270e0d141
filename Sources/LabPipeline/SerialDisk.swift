import Foundation

/// Writes files off Swift's cooperative pool, one at a time, in the order they were asked for.
///
/// Each atomic write waits for fsync (about 8 ms on a busy disk here); the pool has one thread
/// per core, so state files written on it (a fleet's hosts' ledgers, fleet.json) made every
/// other task wait in turn. An actor that owns files hands their writes to one of these: the
/// queue is first in, first out, so the files end as the actor's last call left them.
public final class SerialDisk: Sendable {
  private let queue: DispatchQueue

  public init(label: String) {
    queue = DispatchQueue(label: label)
  }

  /// Runs `work` on the queue and waits for it.
  public func run(_ work: @escaping @Sendable () throws -> Void) async throws {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
      queue.async { continuation.resume(with: Result { try work() }) }
    }
  }
}
