import Foundation
import LabPipeline

/// Deletes every pod and ConfigMap the exercises created (they all carry the lab's label).
struct DeleteLabObjectsStep: Step {
  var id: String { "delete-lab-objects" }
  var title: String { "Delete the lab's pods and ConfigMap" }

  static let list = RemoteCommand("kubectl get pods,configmaps -l \(HAMiLab.partOfLabel) -o name")

  func check(_ ctx: StepContext) async throws -> Bool {
    guard try await HAMiLab.has("kubectl", ctx) else { return true }
    let output = try await ctx.run(Self.list)
    return output.succeeded && HAMiLab.trimmed(output).isEmpty
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    try await ctx.runChecked(try plan(PlanContext(parameters: ctx.parameters, target: ctx.target))[0])
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [
      RemoteCommand(
        "kubectl delete pods,configmaps -l \(HAMiLab.partOfLabel) --ignore-not-found --wait=true --timeout=120s",
        timeout: .seconds(150))
    ]
  }
}
