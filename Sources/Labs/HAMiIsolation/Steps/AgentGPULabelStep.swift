import Foundation
import LabPipeline

/// The `gpu=on` label (where HAMi's device plugin runs) on an agent's node: put on at `up` when
/// the agent has a GPU, taken off at `down`. A node without a GPU (no `nvidia-smi`) is listed
/// and left alone, not failed.
struct AgentGPULabelStep: Step {
  /// The agent as `--node` named it.
  let node: String
  /// `down`: take the label off.
  var remove = false

  var id: String { (remove ? "remove-gpu-label@" : "gpu-label@") + node }
  var title: String { (remove ? "Remove the gpu label from " : "Label gpu=on the node of ") + node }
  var rechecksWhenFinished: Bool { remove }

  func check(_ ctx: StepContext) async throws -> Bool {
    guard try await ctx.on(node).hasCommand("nvidia-smi") else {
      ctx.satisfied("\(node) has no GPU: not labelled")
      return true
    }
    guard let name = try? ctx.output(of: JoinAgentStep(node: node)).nodeName else {
      ctx.satisfied("\(node) never joined the cluster")
      return true
    }
    let label = try await ctx.run(GPULabelStep.read(name))
    // A node the server no longer lists has no label left.
    if remove { return !label.succeeded || label.trimmedStdout.isEmpty }
    return label.trimmedStdout == "on"
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    let name = try ctx.output(of: JoinAgentStep(node: node)).nodeName
    try await ctx.runChecked(command(ShellQuote.quote(name)))
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [
      RemoteCommand("command -v nvidia-smi >/dev/null 2>&1", node: node),
      command(ctx.placeholder("node-of-" + node)),
    ]
  }

  private func command(_ node: String) -> RemoteCommand {
    RemoteCommand(
      remove ? "kubectl label node \(node) gpu-" : "kubectl label node \(node) gpu=on --overwrite")
  }
}
