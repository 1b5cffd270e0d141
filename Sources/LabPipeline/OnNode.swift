import Foundation

/// A step run on one agent of a cluster instead of the server: every command of its check,
/// apply, observe and plan goes to `node` (``StepContext/on(_:)``). The id names the node
/// (`container-toolkit@gpu-2`), so each node's run of the step has its own ledger entry and
/// resumes on its own.
public struct OnNode<Inner: Step>: Step {
  public typealias Output = Inner.Output
  public let inner: Inner
  /// The node as `--node` named it.
  public let node: String

  public init(_ inner: Inner, node: String) {
    self.inner = inner
    self.node = node
  }

  public var id: String { inner.id + "@" + node }
  public var title: String { inner.title + " on " + node }
  public var timeout: Duration { inner.timeout }
  public func timeout(_ parameters: Parameters) -> Duration { inner.timeout(parameters) }
  public var rechecksWhenFinished: Bool { inner.rechecksWhenFinished }
  public var changesTarget: Bool { inner.changesTarget }
  public var retry: RetryPolicy { inner.retry }

  public func check(_ ctx: StepContext) async throws -> Bool { try await inner.check(ctx.on(node)) }
  public func apply(_ ctx: StepContext) async throws -> Output { try await inner.apply(ctx.on(node)) }
  public func observe(_ ctx: StepContext) async throws -> Output { try await inner.observe(ctx.on(node)) }

  public func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    try inner.plan(ctx).map { command in
      var routed = command
      if routed.node == nil { routed.node = node }
      return routed
    }
  }
}
