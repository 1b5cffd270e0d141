import Foundation
import LabPipeline

/// Labels the node `gpu=on`, where HAMi's device plugin runs.
struct GPULabelStep: Step {
  var id: String { "gpu-label" }
  var title: String { "Label the node gpu=on" }

  func check(_ ctx: StepContext) async throws -> Bool {
    let node = try await HAMiIsolationLab.nodeName(ctx)
    return (try await ctx.run(Self.read(node))).trimmedStdout == "on"
  }

  static func read(_ node: String) -> RemoteCommand {
    RemoteCommand("kubectl get node \(ShellQuote.quote(node)) -o jsonpath='{.metadata.labels.gpu}'")
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    let node = try ctx.output(of: NodeReadyStep()).node
    try await ctx.runChecked("kubectl label node \(ShellQuote.quote(node)) gpu=on --overwrite")
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [RemoteCommand("kubectl label node \(ctx.placeholder("node")) gpu=on --overwrite")]
  }
}
