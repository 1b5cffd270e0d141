import Foundation
import LabPipeline

/// A step for an agent's GPU (the NVIDIA Container Toolkit before its k3s agent): run on the agent
/// (``OnNode``) when it has a GPU (`nvidia-smi`); a node without one is skipped, said so, since
/// the nvidia runtime there would fail every container.
struct GPUAgentStep<Inner: Step>: Step where Inner.Output == NoOutput {
  let onNode: OnNode<Inner>

  init(_ inner: Inner, node: String) {
    onNode = OnNode(inner, node: node)
  }

  var id: String { onNode.id }
  var title: String { onNode.title }
  func timeout(_ parameters: Parameters) -> Duration { onNode.timeout(parameters) }
  var rechecksWhenFinished: Bool { onNode.rechecksWhenFinished }
  var changesTarget: Bool { onNode.changesTarget }
  var retry: RetryPolicy { onNode.retry }

  func check(_ ctx: StepContext) async throws -> Bool {
    guard try await ctx.on(onNode.node).hasCommand("nvidia-smi") else {
      ctx.satisfied("\(onNode.node) has no GPU: skipped")
      return true
    }
    return try await onNode.check(ctx)
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput { try await onNode.apply(ctx) }
  func observe(_ ctx: StepContext) async throws -> NoOutput { try await onNode.observe(ctx) }
  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] { try onNode.plan(ctx) }
}
