import Foundation
import LabPipeline

/// Deletes every pod and ConfigMap the exercises created (they all carry the lab's label).
struct DeleteLabObjectsStep: Step {
  var id: String { "delete-lab-objects" }
  /// A rerun of `down` after a failed verification must check (and remove) again.
  var rechecksWhenFinished: Bool { true }
  var title: String { "Delete the lab's pods and ConfigMap" }

  static let list = RemoteCommand("kubectl get pods,configmaps -l \(HAMiCatalog.partOfLabel) -o name")

  func check(_ ctx: StepContext) async throws -> Bool {
    guard try await ctx.hasCommand("kubectl") else {
      ctx.satisfied("no lab objects: kubectl is not on the host")
      return true
    }
    let output = try await ctx.run(Self.list)
    let clean = output.succeeded && output.trimmedStdout.isEmpty
    if clean { ctx.satisfied("no lab pods or ConfigMaps left") }
    return clean
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    try await runPlanned(ctx)
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [
      RemoteCommand(
        "kubectl delete pods,configmaps -l \(HAMiCatalog.partOfLabel) --ignore-not-found --wait=true --timeout=120s",
        timeout: .seconds(150))
    ]
  }
}
