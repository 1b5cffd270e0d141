import Foundation
import LabPipeline

/// Removes the `gpu` label from the node.
struct RemoveGPULabelStep: Step {
  var id: String { "remove-gpu-label" }
  /// A rerun of `down` after a failed verification must check (and remove) again.
  var rechecksWhenFinished: Bool { true }
  var title: String { "Remove the gpu=on label" }

  func check(_ ctx: StepContext) async throws -> Bool {
    guard try await ctx.hasCommand("kubectl") else {
      ctx.satisfied("no gpu label: kubectl is not on the host")
      return true
    }
    let node = try await HAMiIsolationLab.nodeName(ctx)
    let clean = (try await ctx.run(GPULabelStep.read(node))).trimmedStdout.isEmpty
    if clean { ctx.satisfied("no gpu label on node \(node)") }
    return clean
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    let node = try await HAMiIsolationLab.nodeName(ctx)
    try await ctx.runChecked("kubectl label node \(ShellQuote.quote(node)) gpu-")
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [HAMiIsolationLab.nodeNameCommand, RemoteCommand("kubectl label node \(ctx.placeholder("node")) gpu-")]
  }
}
